using Microsoft.Extensions.Hosting;
using MongoDB.Driver;

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
        var backoff = FirstBackoff;
        try
        {
            while (true)
            {
                try
                {
                    await CreateAsync(stoppingToken).ConfigureAwait(false);
                    Created();
                    return;
                }
                catch (Exception e) when ((e is MongoException or TimeoutException) && !stoppingToken.IsCancellationRequested)
                {
                    var error = MongoErrorClassifier.Classify(e);
                    if (error.Kind == MongoErrorKind.Permanent)
                    {
                        await RefusedAsync(error, e, stoppingToken).ConfigureAwait(false);
                        return;
                    }

                    Retrying(error, backoff, e);
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Stopped();
        }
    }
}
