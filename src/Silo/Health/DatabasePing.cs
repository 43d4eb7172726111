using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Whether the user documents' database answers a <c>ping</c>, asked at most once per <see cref="CacheFor"/> however
/// often the probes come, and given up after <see cref="Timeout"/>. Errors are described without the URL.
/// </summary>
internal sealed class DatabasePing(IMongoClient client, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private Task<PingResult>? current;
    private DateTimeOffset startedAt;

    public Task<PingResult> PingAsync()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (current is null || (current.IsCompleted && now - startedAt >= CacheFor))
            {
                startedAt = now;
                current = PingOnceAsync();
            }

            return current;
        }
    }

    private async Task<PingResult> PingOnceAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        try
        {
            await client.GetDatabase("admin")
                .RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: timeout.Token)
                .ConfigureAwait(false);
            return new PingResult(true, "the database answers");
        }
        catch (OperationCanceledException)
        {
            return new PingResult(false, $"the database did not answer a ping within {Timeout}");
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            return new PingResult(false, $"the database did not answer a ping: {e.GetType().Name}");
        }
    }
}
