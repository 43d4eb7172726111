using AgentJobSync.WatchHost.Health;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Queue;

/// <summary>
/// Runs a fixed number of workers over a <see cref="WorkQueue"/>: the number of workers is the concurrency bound,
/// and because the queue never hands one key to two workers, a slow or stuck key holds one worker and nothing else.
/// A handler that throws is logged and its key retried with backoff; the loop itself never dies of it, so every key
/// taken or finished is recorded as <see cref="Progress"/>: work that waits while nothing is taken or finished means
/// every worker is stuck, which liveness reports.
/// </summary>
public sealed partial class WorkerPool(WorkQueue queue, Func<string, CancellationToken, Task> handler, ILogger<WorkerPool> logger, TimeProvider? time = null)
{
    /// <summary>Advanced whenever a worker takes or finishes a key.</summary>
    public LoopProgress Progress { get; } = new("workers", time ?? TimeProvider.System);

    /// <summary>Runs <paramref name="workers"/> workers until the queue is shut down and drained, or the token is cancelled.</summary>
    public Task RunAsync(int workers, CancellationToken cancellationToken) => RunAsync(workers, cancellationToken, cancellationToken);

    /// <summary>
    /// Runs <paramref name="workers"/> workers. <paramref name="stopTaking"/> ends each worker once its current key is
    /// handled (a graceful stop finishes in-flight grain calls); <paramref name="cancellationToken"/> also cancels them.
    /// </summary>
    public Task RunAsync(int workers, CancellationToken stopTaking, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(stopTaking, cancellationToken), CancellationToken.None)));
    }

    private async Task WorkAsync(CancellationToken stopTaking, CancellationToken cancellationToken)
    {
        while (!stopTaking.IsCancellationRequested)
        {
            string? key;
            try
            {
                key = await queue.GetAsync(stopTaking).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopTaking.IsCancellationRequested)
            {
                return;
            }

            if (key is null)
            {
                return;
            }

            Progress.Advanced();

            try
            {
                await handler(key, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                queue.Done(key);
                return;
            }
#pragma warning disable CA1031 // A failing handler must not end the worker: the key is retried with backoff.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogHandlerFailed(logger, e, key);
                queue.AddRateLimited(key);
            }

            queue.Done(key);
            Progress.Advanced();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "processing {Key} failed; retrying with backoff")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string key);
}
