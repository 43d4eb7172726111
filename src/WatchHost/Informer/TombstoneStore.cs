using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// The final objects of deleted jobs, kept until the worker has routed them: the delete event only enqueues the key,
/// and by the time a worker takes the key the cache no longer has the object. A name can be deleted and re-created
/// before a worker runs, so each key holds its deleted objects by UID. A deletion the job directory reconstructed (what a
/// grain persisted, no nodes) never replaces a final object the watch delivered: that one carries the job's last state.
/// </summary>
public sealed class TombstoneStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Dictionary<string, AgentJob>> byKey = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="job"/> as deleted (a later final object of the same UID replaces it).</summary>
    public void Put(AgentJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            if (!byKey.TryGetValue(job.Key, out var jobs))
            {
                byKey[job.Key] = jobs = new Dictionary<string, AgentJob>(StringComparer.Ordinal);
            }

            jobs[job.Uid] = job;
        }
    }

    /// <summary>
    /// Keeps a deletion reconstructed from the job directory, unless a deleted object of the same UID is already waiting
    /// (the watch's final object, or an earlier reconstruction): returns whether it was kept.
    /// </summary>
    public bool PutReconstructed(AgentJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            if (!byKey.TryGetValue(job.Key, out var jobs))
            {
                byKey[job.Key] = jobs = new Dictionary<string, AgentJob>(StringComparer.Ordinal);
            }

            return jobs.TryAdd(job.Uid, job);
        }
    }

    /// <summary>The deleted objects waiting under <paramref name="key"/>.</summary>
    public IReadOnlyList<AgentJob> Get(string key)
    {
        lock (gate)
        {
            return byKey.TryGetValue(key, out var jobs) ? [.. jobs.Values] : [];
        }
    }

    /// <summary>Drops the tombstone once routed, unless a newer final object of the same UID replaced it meanwhile.</summary>
    public void Remove(AgentJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            if (byKey.TryGetValue(job.Key, out var jobs) && jobs.TryGetValue(job.Uid, out var kept) && ReferenceEquals(kept, job))
            {
                jobs.Remove(job.Uid);
                if (jobs.Count == 0)
                {
                    byKey.Remove(job.Key);
                }
            }
        }
    }

    /// <summary>How many deleted objects wait to be routed.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return byKey.Values.Sum(j => j.Count);
            }
        }
    }
}
