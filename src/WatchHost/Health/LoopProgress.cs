namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// When one long-running loop (a list/watch, the workers, the Event writer, the lease campaign) last made progress and,
/// if its latest attempt failed, why. The probes read it: a loop that catches every exception never dies, so its death
/// cannot be what turns a probe red; the absence of progress can.
/// </summary>
public sealed class LoopProgress
{
    private readonly TimeProvider time;
    private long lastTicks;
    private volatile string? lastError;

    /// <summary>Starts counting from now: a loop that never progresses is overdue one bound after it was created.</summary>
    public LoopProgress(string name, TimeProvider time)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        lastTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>What the loop is, as the probes name it.</summary>
    public string Name { get; }

    /// <summary>Why the latest attempt failed, or null when it succeeded.</summary>
    public string? LastError => lastError;

    /// <summary>How long ago the loop last made progress.</summary>
    public TimeSpan SinceProgress => time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref lastTicks), TimeSpan.Zero);

    /// <summary>Records progress (and that the latest attempt succeeded).</summary>
    public void Advanced()
    {
        Interlocked.Exchange(ref lastTicks, time.GetUtcNow().UtcTicks);
        lastError = null;
    }

    /// <summary>Records a failed attempt; the time of the last progress is kept.</summary>
    public void Failed(string why) => lastError = why;

    /// <summary>Describes the loop for a probe: how long since progress, and the last error if any.</summary>
    public string Describe() =>
        FormattableString.Invariant($"{Name}: last progress {SinceProgress.TotalSeconds:0}s ago") + (lastError is { } e ? "; last error: " + e : string.Empty);
}
