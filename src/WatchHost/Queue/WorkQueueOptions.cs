namespace AgentJobSync.WatchHost.Queue;

/// <summary>Retry delays of the <see cref="WorkQueue"/>: a fast per-key backoff for failures and a slow one for waits.</summary>
public sealed record WorkQueueOptions
{
    /// <summary>First retry delay after a failure (client-go's default is 5 ms; a grain call is costlier).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest retry delay after repeated failures.</summary>
    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay of the slow retry, for causes outside our reach such as a user document not created yet.</summary>
    public TimeSpan SlowBase { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest delay of the slow retry.</summary>
    public TimeSpan SlowCap { get; init; } = TimeSpan.FromMinutes(5);
}
