namespace AgentJobSync.WatchHost.Events;

/// <summary>A token bucket driven by the caller's clock: <c>burst</c> tokens, one regained per <c>refill</c>. Not thread-safe.</summary>
internal sealed class TokenBucket(int burst, TimeSpan refill, DateTimeOffset now)
{
    private double tokens = burst;
    private DateTimeOffset updated = now;

    /// <summary>Takes a token if one is available at <paramref name="now"/>.</summary>
    public bool TryTake(DateTimeOffset now)
    {
        Refill(now);
        if (tokens < 1)
        {
            return false;
        }

        tokens -= 1;
        return true;
    }

    /// <summary>Whether a token is available at <paramref name="now"/>, without taking it.</summary>
    public bool CanTake(DateTimeOffset now)
    {
        Refill(now);
        return tokens >= 1;
    }

    /// <summary>Whether the bucket is full at <paramref name="now"/> (it can then be forgotten).</summary>
    public bool IsFull(DateTimeOffset now)
    {
        Refill(now);
        return tokens >= burst;
    }

    private void Refill(DateTimeOffset now)
    {
        if (now > updated && refill > TimeSpan.Zero)
        {
            tokens = Math.Min(burst, tokens + ((now - updated) / refill));
            updated = now;
        }
    }
}
