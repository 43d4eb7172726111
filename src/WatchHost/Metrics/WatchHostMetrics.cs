using System.Diagnostics.Metrics;

namespace AgentJobSync.WatchHost.Metrics;

/// <summary>
/// The watch host's instruments on the meter <see cref="MeterName"/>: what arrives from the API server, how the queue
/// keeps up, what the grains answer, and how often the watch had to recover. Exported with the process's other meters.
/// </summary>
public sealed class WatchHostMetrics : IDisposable
{
    /// <summary>The meter's name, for exporters and <c>MeterListener</c>s in tests.</summary>
    public const string MeterName = "AgentJobSync.WatchHost";

    private readonly Meter meter;
    private readonly Counter<long> eventsReceived;
    private readonly Counter<long> reconciles;
    private readonly Counter<long> skips;
    private readonly Counter<long> retries;
    private readonly Counter<long> watchRestarts;
    private readonly Counter<long> relists;
    private readonly Counter<long> kubeEvents;
    private readonly Counter<long> leaseErrors;
    private Func<int> queueDepth = () => 0;
    private Func<int> leader = () => 0;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private meter when null).</summary>
    public WatchHostMetrics(IMeterFactory? meterFactory = null)
    {
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        eventsReceived = meter.CreateCounter<long>("agentjob_watch_events", description: "Watch and list notifications received, by type (added, modified, deleted, bookmark, relist_added, relist_deleted, resync).");
        reconciles = meter.CreateCounter<long>("agentjob_reconciles", description: "Grain calls, by outcome reason.");
        skips = meter.CreateCounter<long>("agentjob_reconciles_skipped", description: "Keys not routed because the job is settled at its current resourceVersion, by why (in_sync, parked).");
        retries = meter.CreateCounter<long>("agentjob_retries", description: "Keys requeued for another attempt, by kind (backoff, slow).");
        watchRestarts = meter.CreateCounter<long>("agentjob_watch_restarts", description: "Watches restarted after a failure or the server closing them, by cause.");
        relists = meter.CreateCounter<long>("agentjob_relists", description: "Full lists, by cause (start, expired, errors).");
        kubeEvents = meter.CreateCounter<long>("agentjob_kube_events", description: "Kubernetes Events about jobs, by result (written, deduplicated, rate_limited, dropped, failed).");
        leaseErrors = meter.CreateCounter<long>("agentjob_lease_errors", description: "Failed reads and writes of the leader election Lease, by operation and HTTP status code (0: no answer).");
        meter.CreateObservableGauge("agentjob_queue_depth", () => queueDepth(), description: "Keys waiting for a worker.");
        meter.CreateObservableGauge("agentjob_watch_leader", () => leader(), description: "1 while this replica holds the lease and routes, else 0.");
    }

    /// <summary>The meter itself, so a listener can tell this instance's measurements from another's.</summary>
    public Meter Meter => meter;

    /// <summary>Tells the depth gauge where to read the queue's depth.</summary>
    public void ObserveQueueDepth(Func<int> depth) => queueDepth = depth ?? throw new ArgumentNullException(nameof(depth));

    /// <summary>Tells the leader gauge where to read whether this replica leads.</summary>
    public void ObserveLeader(Func<int> isLeader) => leader = isLeader ?? throw new ArgumentNullException(nameof(isLeader));

    /// <summary>Counts one notification of <paramref name="type"/>.</summary>
    public void EventReceived(string type) => eventsReceived.Add(1, new KeyValuePair<string, object?>("type", type));

    /// <summary>Counts one grain call ending with <paramref name="reason"/>.</summary>
    public void Reconciled(string reason) => reconciles.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts one key not routed because its job is settled (<paramref name="why"/>: in_sync or parked).</summary>
    public void Skipped(string why) => skips.Add(1, new KeyValuePair<string, object?>("why", why));

    /// <summary>Counts one requeue of <paramref name="kind"/>.</summary>
    public void Retried(string kind) => retries.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts one watch restart for <paramref name="cause"/>.</summary>
    public void WatchRestarted(string cause) => watchRestarts.Add(1, new KeyValuePair<string, object?>("cause", cause));

    /// <summary>Counts one full list for <paramref name="cause"/>.</summary>
    public void Relisted(string cause) => relists.Add(1, new KeyValuePair<string, object?>("cause", cause));

    /// <summary>Counts one Kubernetes Event decision with <paramref name="result"/>.</summary>
    public void KubeEvent(string result) => kubeEvents.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>Counts one failed Lease <paramref name="operation"/> answered with <paramref name="code"/> (0: no answer).</summary>
    public void LeaseFailed(string operation, int code) =>
        leaseErrors.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("code", code));

    /// <inheritdoc/>
    public void Dispose() => meter.Dispose();
}
