using System.Threading.RateLimiting;

namespace AgentJobSync.WatchHost.Events;

/// <summary>
/// A <see cref="TokenBucketRateLimiter"/> (<c>burst</c> tokens, one regained per <c>refill</c>) replenished from a
/// <see cref="TimeProvider"/> instead of its own timer, so the Event limits follow the clock tests drive. Not thread-safe:
/// the <see cref="EventGate"/> locks.
/// </summary>
internal sealed class ClockedTokenBucket : IDisposable
{
    private readonly TokenBucketRateLimiter limiter;
    private readonly int burst;
    private readonly TimeSpan refill;
    private DateTimeOffset replenished;

    public ClockedTokenBucket(int burst, TimeSpan refill, DateTimeOffset now)
    {
        this.burst = burst;
        this.refill = refill;
        replenished = now;
        limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = refill,
            AutoReplenishment = false,
            QueueLimit = 0,
        });
    }

    /// <summary>Whether a token is available at <paramref name="now"/>, without taking it.</summary>
    public bool CanTake(DateTimeOffset now) => Available(now) >= 1;

    /// <summary>Takes a token if one is available at <paramref name="now"/>.</summary>
    public bool TryTake(DateTimeOffset now)
    {
        Available(now);
        using var lease = limiter.AttemptAcquire(1);
        return lease.IsAcquired;
    }

    /// <summary>Whether the bucket is full at <paramref name="now"/> (it can then be forgotten).</summary>
    public bool IsFull(DateTimeOffset now) => Available(now) >= burst;

    /// <inheritdoc/>
    public void Dispose() => limiter.Dispose();

    // One replenishment per whole refill period elapsed since the last; at most a full bucket's worth.
    private long Available(DateTimeOffset now)
    {
        if (refill > TimeSpan.Zero && now - replenished >= refill)
        {
            var periods = Math.Min((now - replenished).Ticks / refill.Ticks, burst);
            for (var i = 0; i < periods; i++)
            {
                limiter.TryReplenish();
            }

            replenished = periods == burst ? now : replenished + (refill * periods);
        }

        return limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
    }
}
