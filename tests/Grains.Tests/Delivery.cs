using System.Collections.Concurrent;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// Delivers observations to grains the way the watch host's work queue does: concurrently, redelivering a transient
/// outcome, and redelivering a failed call (a silo that died under it) with capped backoff until the cluster answers.
/// </summary>
public static class Delivery
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    /// <summary>Returns how many calls failed and were redelivered; asserts every observation ended in sync.</summary>
    public static async Task<int> DeliverAsync(
        IReadOnlyList<JobObservation> observations,
        IReadOnlyList<TestCluster> clusters,
        int parallelism,
        Action? onDelivered = null)
    {
        var failures = new ConcurrentBag<string>();
        var failedCalls = 0;
        await Parallel.ForEachAsync(observations.Select((o, i) => (o, i)), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) =>
        {
            var factory = clusters[item.i % clusters.Count].GrainFactory;
            var deadline = DateTime.UtcNow + GiveUpAfter;
            var backoff = TimeSpan.FromMilliseconds(50);
            SyncOutcome? outcome = null;
            for (var attempt = 0; outcome is null || (outcome.IsTransient && attempt < 20); attempt++)
            {
                try
                {
                    outcome = await factory.GetGrain<IAgentJobGrain>(item.o.Uid).ObserveAsync(item.o);
                }
                catch (Exception e) when (e is SiloUnavailableException or TimeoutException or OrleansException && DateTime.UtcNow < deadline)
                {
                    Interlocked.Increment(ref failedCalls);
                    await Task.Delay(backoff);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                }
            }

            if (!outcome.IsInSync)
            {
                failures.Add($"{item.o.Uid}: {outcome.Reason} {outcome.Message}");
            }

            onDelivered?.Invoke();
        });
        Assert.Empty(failures);
        return failedCalls;
    }
}
