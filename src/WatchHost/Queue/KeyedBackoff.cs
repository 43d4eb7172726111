namespace AgentJobSync.WatchHost.Queue;

/// <summary>
/// Per-key exponential backoff (client-go's ItemExponentialFailureRateLimiter): each failure doubles the key's
/// delay from <c>base</c> up to <c>cap</c>; forgetting the key starts it over. Not thread-safe: the queue locks.
/// </summary>
internal sealed class KeyedBackoff(TimeSpan baseDelay, TimeSpan cap)
{
    private readonly Dictionary<string, int> failures = new(StringComparer.Ordinal);

    /// <summary>The delay for the next retry of <paramref name="key"/>, counting this failure.</summary>
    public TimeSpan Next(string key)
    {
        failures.TryGetValue(key, out var n);
        failures[key] = n + 1;
        // 2^n overflows long before any sensible cap; stop doubling once past it.
        var ticks = (double)baseDelay.Ticks * Math.Pow(2, Math.Min(n, 62));
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>How many failures of <paramref name="key"/> are counted.</summary>
    public int Failures(string key) => failures.GetValueOrDefault(key);

    /// <summary>Starts <paramref name="key"/>'s backoff over.</summary>
    public void Forget(string key) => failures.Remove(key);
}
