namespace AgentJobSync.WatchHost.Informer;

/// <summary>What the informer watches and how it recovers.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespaces to watch; empty watches every namespace with one cluster-wide list+watch.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>How often every cached key is queued again (level-triggered repair of anything missed downstream).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the server keeps one watch open before ending it (it is then resumed from the last version).</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First reconnect delay after a failed list or watch.</summary>
    public TimeSpan ReconnectBase { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan ReconnectCap { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed lists or watches after which the scope is listed afresh instead of resumed.</summary>
    public int RelistAfterFailures { get; init; } = 5;

    /// <summary>How long one request (a list page) may take before it fails.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one watch may stay open at most: the server's timeout plus as much again (at most 30 s) for it to say
    /// so. A watch whose connection stalled without closing fails at this deadline instead of hanging.
    /// </summary>
    public TimeSpan WatchReadDeadline => WatchTimeout + TimeSpan.FromTicks(Math.Min(WatchTimeout.Ticks, TimeSpan.FromSeconds(30).Ticks));

    /// <summary>Objects per list page (a large cluster is listed in chunks).</summary>
    public int ListPageSize { get; init; } = 500;
}
