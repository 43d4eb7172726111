using System.Globalization;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Chaos;

/// <summary>
/// What each <see cref="FaultKind"/> does to the running system, start to end (restarts and repairs included). Each
/// returns a line saying what it did, or null when there was nothing to do it to (no leader at that moment).
/// </summary>
internal sealed class FaultActions(ChaosSystem system, RunResult result)
{
    /// <summary>How long a frozen silo may wait to be declared dead, and a woken dead one to stop by itself.</summary>
    private static readonly TimeSpan MembershipDeadline = TimeSpan.FromSeconds(90);

    public Task<string?> RunAsync(FaultKind kind, Random random) => kind switch
    {
        FaultKind.SiloKill => SiloKillAsync(random),
        FaultKind.SiloTerm => SiloTermAsync(random),
        FaultKind.SiloPause => SiloPauseAsync(random),
        FaultKind.SiloStutter => SiloStutterAsync(random),
        FaultKind.MachineLoad => MachineLoadAsync(random),
        FaultKind.LeaderKill => WatchHostKillAsync(random, leader: true),
        FaultKind.StandbyKill => WatchHostKillAsync(random, leader: false),
        FaultKind.ApiServerRestart => ApiServerRestartAsync(),
        FaultKind.ApiServerBlackout => BlackoutAsync(system.ApiServer, random, 2000, 10_000),
        FaultKind.ApiServerLatency => LatencyAsync(system.ApiServer, random, 100, 1500),
        FaultKind.EtcdRestart => EtcdRestartAsync(random),
        FaultKind.DatabaseBlackout => BlackoutAsync(system.Database, random, 500, 6000),
        FaultKind.DatabaseLatency => LatencyAsync(system.Database, random, 20, 500),
        FaultKind.DatabaseReplyCut => ReplyCutAsync(random),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    // SIGKILL of any silo (the first pod's too); the container restarts a moment later: a new incarnation, same address.
    private Task<string?> SiloKillAsync(Random random) => WithSiloAsync(random, async slot =>
    {
        system.Silos.MarkFaulted(slot);
        var process = slot.Silo!.Process;
        process.Kill();
        await process.WaitForExitAsync();
        await Task.Delay(random.Next(200, 3000));
        await system.Silos.RestartAfterFaultAsync(slot, CancellationToken.None);
        return $"{slot.PodName} killed and restarted";
    });

    // SIGTERM: the silo leaves the cluster gracefully (its object becomes Dead by its own hand), then starts again.
    private Task<string?> SiloTermAsync(Random random) => WithSiloAsync(random, async slot =>
    {
        system.Silos.MarkFaulted(slot);
        var process = slot.Silo!.Process;
        process.Terminate();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            result.MembershipFailure($"{slot.PodName} did not exit within 60 s of SIGTERM");
            process.Kill();
            await process.WaitForExitAsync();
        }

        await Task.Delay(random.Next(200, 3000));
        await system.Silos.RestartAfterFaultAsync(slot, CancellationToken.None);
        return $"{slot.PodName} stopped gracefully and restarted";
    });

    // SIGSTOP until the others declared it dead, then SIGCONT: it must see itself dead and stop, not carry on as a zombie.
    private Task<string?> SiloPauseAsync(Random random) => WithSiloAsync(random, async slot =>
    {
        system.Silos.MarkFaulted(slot);
        var incarnation = slot.Incarnation;
        var process = slot.Silo!.Process;
        var frozenAt = system.Membership.Now;
        process.Pause();
        string outcome;
        try
        {
            await Eventually.UntilAsync(() => system.Membership.IsDead(incarnation), MembershipDeadline, $"{slot.PodName} declared dead while frozen");
            var declaredAfter = system.Membership.Now - frozenAt;
            await Task.Delay(random.Next(0, 3000));
            process.Resume();
            try
            {
                await process.WaitForExitAsync().WaitAsync(MembershipDeadline);
                outcome = $"{slot.PodName} frozen, declared dead after {declaredAfter.TotalSeconds:F1}s, stopped by itself after waking";
            }
            catch (TimeoutException)
            {
                result.MembershipFailure($"{slot.PodName} ({incarnation}) still running {MembershipDeadline.TotalSeconds:F0}s after it woke up declared dead (a zombie)");
                process.Kill();
                await process.WaitForExitAsync();
                outcome = $"{slot.PodName} ZOMBIE after waking";
            }
        }
        catch (TimeoutException)
        {
            result.MembershipFailure($"{slot.PodName} ({incarnation}) frozen for {MembershipDeadline.TotalSeconds:F0}s and not declared dead");
            process.Resume();
            process.Kill();
            await process.WaitForExitAsync();
            outcome = $"{slot.PodName} NOT declared dead while frozen";
        }

        await system.Silos.RestartAfterFaultAsync(slot, CancellationToken.None);
        return outcome;
    });

    // CPU starvation of one silo: frozen in bursts of 1-3 s with short runs between, for 8-20 s. It must not be declared
    // dead for it (it is not marked as taken down: a death here counts as unprovoked).
    private Task<string?> SiloStutterAsync(Random random) => WithSiloAsync(random, async slot =>
    {
        var process = slot.Silo!.Process;
        var bursts = 0;
        var until = system.Membership.Now + TimeSpan.FromMilliseconds(random.Next(8000, 20_000));
        while (system.Membership.Now < until && !process.HasExited)
        {
            process.Pause();
            await Task.Delay(random.Next(1000, 3000));
            process.Resume();
            bursts++;
            await Task.Delay(random.Next(300, 1500));
        }

        return $"{slot.PodName} frozen in {bursts.ToString(CultureInfo.InvariantCulture)} bursts";
    });

    // The whole machine loaded: two busy threads per core for 5-15 s, competing with every process of the run.
    private static async Task<string?> MachineLoadAsync(Random random)
    {
        var threads = Environment.ProcessorCount * 2;
        var length = TimeSpan.FromMilliseconds(random.Next(5000, 15_000));
        using var stop = new CancellationTokenSource(length);
        var token = stop.Token;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                var spin = 0UL;
                while (!token.IsCancellationRequested)
                {
                    spin++;
                }

                return spin;
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        return $"{threads.ToString(CultureInfo.InvariantCulture)} busy threads for {length.TotalSeconds:F0}s";
    }

    // SIGKILL of the watch host that leads (or of a standby); its Deployment starts a new pod a moment later.
    private async Task<string?> WatchHostKillAsync(Random random, bool leader)
    {
        WatchHostProcess? target = null;
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    var current = await system.LeaderAsync(ct);
                    target = leader ? current : system.WatchHosts.FirstOrDefault(h => h != current && !h.Process.HasExited);
                    return target is not null && (!leader || current is not null);
                },
                TimeSpan.FromSeconds(30), leader ? "a leading watch host" : "a standby watch host");
        }
        catch (TimeoutException)
        {
            return null;
        }

        if (!system.Remove(target!))
        {
            return null;
        }

        target!.Process.Kill();
        await target.Process.WaitForExitAsync();
        await Task.Delay(random.Next(0, 2000));
        await system.AddWatchHostAsync();
        return $"{target.Identity} ({(leader ? "leader" : "standby")}) killed, a new one started";
    }

    private async Task<string?> ApiServerRestartAsync()
    {
        await system.Env.Kube.RestartApiServerAsync();
        return "API server killed and started again";
    }

    // etcd away for 1-5 s: the API server stays up and answers errors (5xx, timeouts) meanwhile.
    private async Task<string?> EtcdRestartAsync(Random random)
    {
        var down = TimeSpan.FromMilliseconds(random.Next(1000, 5000));
        await system.Env.Kube.RestartEtcdAsync(down);
        return $"etcd killed, started again after {down.TotalSeconds:F1}s";
    }

    private static async Task<string?> BlackoutAsync(ToxicProxy proxy, Random random, int minMs, int maxMs)
    {
        var length = random.Next(minMs, maxMs);
        await proxy.DisableAsync();
        try
        {
            await Task.Delay(length);
        }
        finally
        {
            await proxy.EnableAsync();
        }

        return $"{proxy.Name} cut for {length / 1000.0:F1}s";
    }

    private static async Task<string?> LatencyAsync(ToxicProxy proxy, Random random, int minMs, int maxMs)
    {
        var latency = random.Next(minMs, maxMs);
        var length = random.Next(2000, 10_000);
        await proxy.AddLatencyAsync(latency);
        try
        {
            await Task.Delay(length);
        }
        finally
        {
            await proxy.RemoveToxicsAsync();
        }

        return $"{proxy.Name} +{latency.ToString(CultureInfo.InvariantCulture)} ms for {length / 1000.0:F1}s";
    }

    // Every connection to the database closed after a few hundred bytes more of replies: cut in the middle of a reply.
    private async Task<string?> ReplyCutAsync(Random random)
    {
        var bytes = random.Next(100, 4000);
        var length = random.Next(500, 3000);
        await system.Database.AddReplyCutAsync(bytes);
        try
        {
            await Task.Delay(length);
        }
        finally
        {
            await system.Database.RemoveToxicsAsync();
        }

        return $"database replies cut after {bytes.ToString(CultureInfo.InvariantCulture)} bytes for {length / 1000.0:F1}s";
    }

    private async Task<string?> WithSiloAsync(Random random, Func<SiloSlot, Task<string>> fault)
    {
        if (system.Silos.TryHold(random) is not { } slot)
        {
            return null;
        }

        try
        {
            return await fault(slot);
        }
        finally
        {
            system.Silos.Release(slot);
        }
    }
}
