using System.Threading.RateLimiting;

namespace AgentJobSync.WatchHost.Events;

/// <summary>
/// Decides, before any API call, whether an event about a job is written, folded into the series of the same recent
/// Event, or dropped: de-duplication by job UID, type and reason within a window (on the <see cref="TimeProvider"/>),
/// then a <see cref="TokenBucketRateLimiter"/> per job and one for the whole process (client-go's EventCorrelator does
/// the same for core Events). The buckets refill lazily, on each decision, from the time elapsed: no timer per job.
/// </summary>
public sealed class EventGate(EventOptions options, TimeProvider time) : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Uid, string Type, string Reason), Series> recent = [];
    private readonly Dictionary<string, TokenBucketRateLimiter> perJob = new(StringComparer.Ordinal);
    private TokenBucketRateLimiter? global;

    /// <summary>Decides about <paramref name="jobEvent"/> for the job <paramref name="uid"/> named <paramref name="jobName"/>.</summary>
    public EventDecision Decide(string uid, string jobName, JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        var now = time.GetUtcNow();
        lock (gate)
        {
            global ??= Bucket(options.GlobalBurst, options.GlobalRefill);
            var key = (uid, jobEvent.Type, jobEvent.Reason);
            var existing = recent.TryGetValue(key, out var series) && now - series.First < options.DedupWindow ? series : null;
            if (existing is not null)
            {
                existing.Count++;
            }

            if (!perJob.TryGetValue(uid, out var bucket))
            {
                perJob[uid] = bucket = Bucket(options.PerJobBurst, options.PerJobRefill);
            }

            // Both buckets must have a token; take from neither unless both can give.
            if (Available(bucket) < 1 || Available(global) < 1)
            {
                return new EventDecision(EventAction.RateLimited, existing?.Name ?? string.Empty, existing?.Count ?? 0);
            }

            bucket.AttemptAcquire(1).Dispose();
            global.AttemptAcquire(1).Dispose();
            if (existing is not null)
            {
                return new EventDecision(EventAction.UpdateSeries, existing.Name, existing.Count);
            }

            var name = EventName(jobName, now);
            recent[key] = new Series(name, now) { Count = 1 };
            Prune(now);
            return new EventDecision(EventAction.Create, name, 1);
        }
    }

    /// <summary>
    /// Forgets the series <paramref name="name"/> of <paramref name="jobEvent"/> for <paramref name="uid"/> when its first
    /// Event was never written, so the next report creates one instead of patching an Event that does not exist.
    /// </summary>
    public void Forget(string uid, JobEvent jobEvent, string name)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        lock (gate)
        {
            var key = (uid, jobEvent.Type, jobEvent.Reason);
            if (recent.TryGetValue(key, out var series) && series.Name == name)
            {
                recent.Remove(key);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (gate)
        {
            global?.Dispose();
            foreach (var bucket in perJob.Values)
            {
                bucket.Dispose();
            }

            perJob.Clear();
        }
    }

    // Refilled on demand (TryReplenish adds what the elapsed time earned), so an idle job costs no timer.
    private static TokenBucketRateLimiter Bucket(int burst, TimeSpan refill) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = refill,
        AutoReplenishment = false,
        QueueLimit = 0,
    });

    private static long Available(TokenBucketRateLimiter bucket)
    {
        bucket.TryReplenish();
        return bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;
    }

    // A valid DNS subdomain: the job's name (already one) and a hex timestamp, as kubectl's recorder names events.
    private static string EventName(string jobName, DateTimeOffset now)
    {
        var suffix = "." + now.UtcTicks.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        return (jobName.Length + suffix.Length > 253 ? jobName[..(253 - suffix.Length)] : jobName) + suffix;
    }

    // Keeps memory bounded: series past their window and full buckets hold no information.
    private void Prune(DateTimeOffset now)
    {
        if (recent.Count % 256 != 0)
        {
            return;
        }

        foreach (var stale in recent.Where(r => now - r.Value.First >= options.DedupWindow).Select(r => r.Key).ToList())
        {
            recent.Remove(stale);
        }

        foreach (var full in perJob.Where(b => Available(b.Value) >= options.PerJobBurst).Select(b => b.Key).ToList())
        {
            perJob.Remove(full, out var bucket);
            bucket?.Dispose();
        }
    }

    private sealed class Series(string name, DateTimeOffset first)
    {
        public string Name { get; } = name;

        public DateTimeOffset First { get; } = first;

        public int Count { get; set; }
    }
}
