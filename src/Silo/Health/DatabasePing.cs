using MongoDB.Bson;
using MongoDB.Driver;
using Polly;
using Polly.Timeout;

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
    private readonly ResiliencePipeline deadline = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(Timeout).Build();
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
        try
        {
            await deadline.ExecuteAsync(
                async ct => await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: ct).ConfigureAwait(false),
                CancellationToken.None).ConfigureAwait(false);
            return new PingResult(true, "the database answers");
        }
        catch (TimeoutRejectedException)
        {
            return new PingResult(false, $"the database did not answer a ping within {Timeout}");
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            return new PingResult(false, $"the database did not answer a ping: {e.GetType().Name}");
        }
    }
}
