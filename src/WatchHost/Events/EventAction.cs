namespace AgentJobSync.WatchHost.Events;

/// <summary>The outcomes of <see cref="EventGate"/>.</summary>
public enum EventAction
{
    /// <summary>Write a new Event.</summary>
    Create,

    /// <summary>The same job, type and reason was written recently: update its series count instead.</summary>
    UpdateSeries,

    /// <summary>Over the per-job or global rate: not written (counted).</summary>
    RateLimited,
}
