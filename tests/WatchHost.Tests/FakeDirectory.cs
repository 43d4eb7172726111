using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Directory;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Stands in for the job directory (tested against the database in Grains.Tests): pages a fixed list in UID order.</summary>
internal sealed class FakeDirectory(IReadOnlyList<JobSummary> all, Exception? failure = null) : IJobDirectory
{
    public List<string?> Afters { get; } = [];

    /// <summary>How many reads still fail (transiently) before the directory answers.</summary>
    public int TransientFailuresLeft { get; set; }

    public Task<IReadOnlyList<JobSummary>> FindLiveAsync(string? @namespace, string? afterUid, int limit, CancellationToken cancellationToken)
    {
        Afters.Add(afterUid);
        if (TransientFailuresLeft > 0)
        {
            TransientFailuresLeft--;
            return Task.FromException<IReadOnlyList<JobSummary>>(new TimeoutException("the silos did not answer"));
        }

        if (failure is not null)
        {
            return Task.FromException<IReadOnlyList<JobSummary>>(failure);
        }

        IReadOnlyList<JobSummary> page = [.. all
            .Where(s => (@namespace is null || s.Namespace == @namespace) && (afterUid is null || string.CompareOrdinal(s.Uid, afterUid) > 0))
            .OrderBy(s => s.Uid, StringComparer.Ordinal)
            .Take(limit)];
        return Task.FromResult(page);
    }

    /// <summary>A live job with an entry, in sync, settled at <paramref name="settledAt"/> (null: not known to be settled).</summary>
    public static JobSummary Summary(string uid, string ns, string name, string? settledAt = null, JobState state = JobState.Pending) =>
        new(uid, ns, name, "6f1c2b9e-0000-4000-8000-000000000001", state, SyncReason.Synced, null, true, false, false, 1, DateTimeOffset.UtcNow, settledAt);
}
