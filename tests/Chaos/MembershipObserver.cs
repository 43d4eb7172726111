using System.Collections.Concurrent;
using System.Diagnostics;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;

namespace AgentJobSync.Chaos;

/// <summary>
/// Reads the cluster's <c>OrleansSilo</c> objects once a second, straight from the API server (not through the fault
/// proxy), and remembers when this process first saw each one Dead, by its own monotonic clock: no time written by
/// another process is compared with it.
/// </summary>
internal sealed class MembershipObserver(IKubernetes kube, string ns, string clusterId)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, TimeSpan> deadSince = new(StringComparer.Ordinal);
    private IReadOnlyList<MembershipRow> latest = [];

    /// <summary>Membership object name → when this observer first saw it Dead (run clock).</summary>
    public IReadOnlyDictionary<string, TimeSpan> DeadSince => deadSince;

    /// <summary>The objects as last read.</summary>
    public IReadOnlyList<MembershipRow> Latest => Volatile.Read(ref latest);

    public TimeSpan Now => clock.Elapsed;

    public bool IsDead(string? incarnation) => incarnation is not null && deadSince.ContainsKey(incarnation);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await PollOnceAsync(cancellationToken);
            await Task.Delay(1000, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var rows = await MembershipRows.ReadAsync(kube, ns, clusterId, cancellationToken);
            foreach (var row in rows.Where(r => r.Status == "Dead"))
            {
                deadSince.TryAdd(row.ObjectName, clock.Elapsed);
            }

            Volatile.Write(ref latest, rows);
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The API server is away (restart, etcd restart): a missed sample.
        }
    }
}
