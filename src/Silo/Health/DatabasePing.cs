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

    private readonly ThrottledCheck<PingResult> check = new(time, CacheFor, Timeout, deadline => PingOnceAsync(client, deadline));

    public Task<PingResult> PingAsync() => check.RunAsync();

    private static async Task<PingResult> PingOnceAsync(IMongoClient client, ResiliencePipeline deadline)
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
