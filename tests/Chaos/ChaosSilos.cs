using System.Collections.Concurrent;
using System.Globalization;
using AgentJobSync.TestHarness;
using k8s;

namespace AgentJobSync.Chaos;

/// <summary>
/// The run's silos: kubelet-less pods <c>silo-0</c>…, each running the published silo with the Kubernetes membership.
/// A fault holds a pod while it works on it; a silo process that exits while no fault holds its pod (one that saw itself
/// declared dead) is started again in the same pod, as the kubelet restarts a container. Every incarnation a fault
/// killed, stopped or froze is remembered, so a death the faults did not cause can be told apart.
/// </summary>
internal sealed class ChaosSilos(
    SiloPodSetup setup, IKubernetes kube, string ns, string clusterId, IReadOnlyDictionary<string, string> environment, CrashLoop crashLoop, Action<string> log)
    : IAsyncDisposable
{
    private readonly List<SiloSlot> slots = [];
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<string, byte> faulted = new(StringComparer.Ordinal);
    private int faultRestarts;
    private int unplannedRestarts;

    public IReadOnlyList<SiloSlot> Slots => slots;

    /// <summary>Incarnations (membership object names) that a fault killed, stopped or froze.</summary>
    public ICollection<string> Faulted => faulted.Keys;

    /// <summary>Silo processes started again after a fault stopped them.</summary>
    public int FaultRestarts => Volatile.Read(ref faultRestarts);

    /// <summary>Silo processes started again after they exited on their own (declared dead, crashed) while running.</summary>
    public int UnplannedRestarts => Volatile.Read(ref unplannedRestarts);

    public async Task StartAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var slot = new SiloSlot("silo-" + i.ToString(CultureInfo.InvariantCulture),
                new SiloPorts(PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort()));
            await Pods.CreateRunningAsync(kube, ns, slot.PodName, cancellationToken);
            slots.Add(slot);
        }

        // Started together, as a Deployment's pods are.
        await Task.WhenAll(slots.Select(s => StartSiloAsync(s, cancellationToken)));
    }

    /// <summary>One more silo pod (a scale-up of the Deployment), started and running.</summary>
    public async Task<string> ScaleUpAsync(CancellationToken cancellationToken)
    {
        var slot = new SiloSlot("silo-" + slots.Count.ToString(CultureInfo.InvariantCulture),
            new SiloPorts(PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort(), PortAllocator.GetFreeTcpPort()));
        await Pods.CreateRunningAsync(kube, ns, slot.PodName, cancellationToken);
        slot.Held = true;
        lock (gate)
        {
            slots.Add(slot);
        }

        try
        {
            await StartSiloAsync(slot, cancellationToken);
        }
        finally
        {
            Release(slot);
        }

        return slot.PodName;
    }

    /// <summary>A running silo no fault holds, now held by the caller, or null.</summary>
    public SiloSlot? TryHold(Random random)
    {
        lock (gate)
        {
            var free = slots.Where(s => !s.Held && s.Silo is { Process.HasExited: false }).ToList();
            if (free.Count == 0)
            {
                return null;
            }

            var slot = free[random.Next(free.Count)];
            slot.Held = true;
            return slot;
        }
    }

    public void Release(SiloSlot slot)
    {
        lock (gate)
        {
            slot.Held = false;
        }
    }

    /// <summary>Marks the running incarnation of <paramref name="slot"/> as one a fault is about to take down.</summary>
    public void MarkFaulted(SiloSlot slot)
    {
        if (slot.Incarnation is { } name)
        {
            faulted.TryAdd(name, 0);
        }
    }

    /// <summary>Starts the held pod's silo again after a fault took it down.</summary>
    public async Task RestartAfterFaultAsync(SiloSlot slot, CancellationToken cancellationToken)
    {
        await StartSiloAsync(slot, cancellationToken);
        Interlocked.Increment(ref faultRestarts);
    }

    /// <summary>The kubelet's part: every half second, a silo that exited while no fault held its pod is started again.</summary>
    public async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            SiloSlot? exited;
            lock (gate)
            {
                exited = slots.FirstOrDefault(s => !s.Held && s.Silo is null or { Process.HasExited: true });
                if (exited is not null)
                {
                    exited.Held = true;
                }
            }

            if (exited is null)
            {
                continue;
            }

            try
            {
                log($"{exited.PodName} is not running ({exited.Incarnation ?? "never started"}); starting it");
                await StartSiloAsync(exited, CancellationToken.None);
                Interlocked.Increment(ref unplannedRestarts);
            }
#pragma warning disable CA1031 // A restart that failed is tried again at the next round.
            catch (Exception e)
#pragma warning restore CA1031
            {
                log($"restarting {exited.PodName} failed: {e.Message}");
            }
            finally
            {
                Release(exited);
            }
        }
    }

    /// <summary>Waits until every pod runs a silo (the supervisor restarts what exited), at most <paramref name="timeout"/>.</summary>
    public Task AllRunningAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(() => slots.All(s => !s.Held && s.Silo is { Process.HasExited: false }), timeout, "every silo pod runs its silo", cancellationToken);

    private async Task StartSiloAsync(SiloSlot slot, CancellationToken cancellationToken)
    {
        if (slot.Silo is { } old)
        {
            slot.Silo = null;
            await old.DisposeAsync();
        }

        slot.Incarnation = null;
        slot.Silo = await crashLoop.StartAsync(slot.PodName, () =>
        {
            slot.Starts++;
            return SiloProcess.StartAsync(setup, ns, clusterId, slot.PodName, environment, slot.Ports, "start-" + slot.Starts.ToString(CultureInfo.InvariantCulture));
        });
        slot.Incarnation = await IncarnationAsync(slot, cancellationToken);
    }

    // The newest object of this pod's address: the incarnation that just started (it is Active before it hosts grains).
    private async Task<string?> IncarnationAsync(SiloSlot slot, CancellationToken cancellationToken)
    {
        string? name = null;
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    var rows = await MembershipRows.ReadAsync(kube, ns, clusterId, ct);
                    name = rows.Where(r => r.SiloName == slot.PodName && r.SiloPort == slot.Ports.SiloPort && r.Status == "Active")
                        .MaxBy(r => r.Generation)?.ObjectName;
                    return name is not null;
                },
                TimeSpan.FromSeconds(60), $"{slot.PodName}'s new incarnation in the membership", cancellationToken);
        }
        catch (TimeoutException)
        {
            log($"{slot.PodName}: its incarnation could not be read within 60 s");
        }

        return name;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var slot in slots)
        {
            if (slot.Silo is { } silo)
            {
                silo.Process.Resume();
                await silo.DisposeAsync();
            }
        }
    }
}
