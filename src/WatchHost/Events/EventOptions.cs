namespace AgentJobSync.WatchHost.Events;

/// <summary>De-duplication and rate limits of the Events written about jobs (so a flapping job cannot flood etcd).</summary>
public sealed record EventOptions
{
    /// <summary>How long a job's event of one type and reason is updated (series count) instead of written anew.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Events one job may write at once.</summary>
    public int PerJobBurst { get; init; } = 5;

    /// <summary>Time for one job to regain one event.</summary>
    public TimeSpan PerJobRefill { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Events all jobs together may write at once.</summary>
    public int GlobalBurst { get; init; } = 100;

    /// <summary>Time for the whole process to regain one event.</summary>
    public TimeSpan GlobalRefill { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Events waiting to be written; beyond this they are dropped (and counted).</summary>
    public int Backlog { get; init; } = 1000;

    /// <summary>The reporting controller written on each Event.</summary>
    public string ReportingController { get; init; } = "ea.erulabs.ai/agentjob-sync";

    /// <summary>The reporting instance (this pod) written on each Event.</summary>
    public string ReportingInstance { get; init; } = Environment.MachineName;
}
