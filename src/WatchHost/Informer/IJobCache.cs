using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>What the worker reads for a key: the current object, or the final objects of deleted jobs.</summary>
public interface IJobCache
{
    /// <summary>The cached current object under <paramref name="key"/>.</summary>
    bool TryGet(string key, out AgentJob job);

    /// <summary>Deleted jobs waiting to be routed.</summary>
    TombstoneStore Tombstones { get; }
}
