using Polly;
using Polly.Retry;

namespace AgentJobSync.WatchHost.Resilience;

/// <summary>
/// The watch host's one retry shape: retried without an attempt limit, each wait exponential with jitter and capped, for
/// loops that must go on as long as the process runs (list/watch, the cluster connection, the deleted-job comparison).
/// </summary>
public static class CappedRetry
{
    /// <summary>
    /// A pipeline that retries every exception <paramref name="retryable"/> accepts, waiting from <paramref name="first"/>
    /// up to <paramref name="cap"/>; <paramref name="onRetry"/> gets the error, the attempt number (0 first) and the wait.
    /// </summary>
    public static ResiliencePipeline Forever(
        TimeProvider time, TimeSpan first, TimeSpan cap, Func<Exception, bool> retryable, Action<Exception, int, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && retryable(e)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = first,
                MaxDelay = cap,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!, args.AttemptNumber, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
