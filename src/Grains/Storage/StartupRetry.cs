using MongoDB.Driver;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// Runs one database task a silo needs at start (creating an index) until it succeeds, in the background: a database
/// that is down at start must not keep the silo from joining. Transient failures are retried with capped, doubling
/// backoff; a permanent one ends the attempts and is handed back to the caller, who knows what it means.
/// </summary>
internal static class StartupRetry
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Null once <paramref name="attempt"/> succeeded; the permanent error that ended it otherwise.</summary>
    public static async Task<(MongoErrorClass Error, Exception Exception)?> UntilDoneAsync(
        Func<CancellationToken, Task> attempt, Action<MongoErrorClass, TimeSpan, Exception> retrying, TimeProvider time, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await attempt(cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when ((e is MongoException or TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                var error = MongoErrorClassifier.Classify(e);
                if (error.Kind == MongoErrorKind.Permanent)
                {
                    return (error, e);
                }

                retrying(error, backoff, e);
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }
}
