namespace AgentJobSync.WatchHost.Events;

/// <summary>
/// Decides, before any API call, whether an event about a job is written, folded into the series of the same recent
/// Event, or dropped: de-duplication by job UID, type and reason within a window, then a token bucket
/// (System.Threading.RateLimiting) per job and one for the whole process (client-go's EventCorrelator does the same for core Events). Pure logic on a
/// <see cref="TimeProvider"/>, so its limits are tested without waiting.
/// </summary>
public sealed class EventGate(EventOptions options, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Uid, string Type, string Reason), Series> recent = [];
    private readonly Dictionary<string, ClockedTokenBucket> perJob = new(StringComparer.Ordinal);
    private ClockedTokenBucket? global;

    /// <summary>Decides about <paramref name="jobEvent"/> for the job <paramref name="uid"/> named <paramref name="jobName"/>.</summary>
    public EventDecision Decide(string uid, string jobName, JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        var now = time.GetUtcNow();
        lock (gate)
        {
            global ??= new ClockedTokenBucket(options.GlobalBurst, options.GlobalRefill, now);
            var key = (uid, jobEvent.Type, jobEvent.Reason);
            var existing = recent.TryGetValue(key, out var series) && now - series.First < options.DedupWindow ? series : null;
            if (existing is not null)
            {
                existing.Count++;
            }

            if (!perJob.TryGetValue(uid, out var bucket))
            {
                perJob[uid] = bucket = new ClockedTokenBucket(options.PerJobBurst, options.PerJobRefill, now);
            }

            // Both buckets must have a token; take from neither unless both can give.
            if (!bucket.CanTake(now) || !global.CanTake(now))
            {
                return new EventDecision(EventAction.RateLimited, existing?.Name ?? string.Empty, existing?.Count ?? 0);
            }

            bucket.TryTake(now);
            global.TryTake(now);
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

        foreach (var full in perJob.Where(b => b.Value.IsFull(now)).Select(b => b.Key).ToList())
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
