using Microsoft.Extensions.Hosting;
using MongoDB.Driver;
using Polly;
using Polly.Retry;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// Creates indexes a silo needs when it starts, in the background: a database that is down at start must not keep the
/// silo from joining (grains retry their own writes), so transient failures are retried with capped, doubling backoff
/// until the creation succeeds. A permanent refusal ends the attempts; what it means is the subclass's to say.
/// </summary>
public abstract class StartupIndexCreation(TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Creates the indexes (idempotent).</summary>
    protected abstract Task CreateAsync(CancellationToken cancellationToken);

    /// <summary>The indexes exist.</summary>
    protected abstract void Created();

    /// <summary>A transient failure; another attempt follows after <paramref name="backoff"/>.</summary>
    protected abstract void Retrying(MongoErrorClass error, TimeSpan backoff, Exception exception);

    /// <summary>The server refused for good; no further attempt is made.</summary>
    protected abstract Task RefusedAsync(MongoErrorClass error, Exception exception, CancellationToken cancellationToken);

    /// <summary>The silo stopped before the indexes were created.</summary>
    protected virtual void Stopped()
    {
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Retried without an attempt limit: the silo needs the indexes for as long as it runs, and each wait is capped.
        var retries = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => IsDatabaseError(e) && MongoErrorClassifier.Classify(e).IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                Delay = FirstBackoff,
                MaxDelay = MaxBackoff,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception!;
                    Retrying(MongoErrorClassifier.Classify(error), args.RetryDelay, error);
                    return default;
                },
            })
            .Build();
        try
        {
            Exception? refusal = null;
            try
            {
                await retries.ExecuteAsync(async token => await CreateAsync(token).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsDatabaseError(e) && !stoppingToken.IsCancellationRequested)
            {
                refusal = e;
            }

            if (refusal is null)
            {
                Created();
            }
            else
            {
                await RefusedAsync(MongoErrorClassifier.Classify(refusal), refusal, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Stopped();
        }
    }

    private static bool IsDatabaseError(Exception e) => e is MongoException or TimeoutException;
}
