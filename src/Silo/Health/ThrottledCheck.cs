using Polly;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Runs a probe's check at most once per interval however often the probes come, each run given up after a deadline
/// (the check then sees a <see cref="Polly.Timeout.TimeoutRejectedException"/>); callers in between share the last run.
/// </summary>
internal sealed class ThrottledCheck<T>(TimeProvider time, TimeSpan every, TimeSpan timeout, Func<ResiliencePipeline, Task<T>> check)
{
    private readonly Lock gate = new();
    private readonly ResiliencePipeline deadline = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(timeout).Build();
    private Task<T>? current;
    private DateTimeOffset startedAt;

    /// <summary>The running check, or the last one if it finished less than the interval ago.</summary>
    public Task<T> RunAsync()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (current is null || (current.IsCompleted && now - startedAt >= every))
            {
                startedAt = now;
                current = check(deadline);
            }

            return current;
        }
    }
}
