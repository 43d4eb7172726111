namespace AgentJobSync.Chaos;

/// <summary>
/// Faults one at a time on a seeded schedule: SIGKILL and restart of a silo (not the primary, which holds localhost
/// clustering's membership), SIGKILL of the leading watch host and a new one started, an API server restart (SIGKILL),
/// a database blackout for the silos (Toxiproxy disabled) and database latency.
/// </summary>
internal sealed class FaultScheduler(ChaosSystem system, RunResult result, Random random, Action<string> log)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(random.Next(1000, 3000), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // A fault, once begun, is carried through (restarts included) even when the run's time is up.
            var kind = random.Next(5) switch
            {
                0 => await KillSiloAsync(),
                1 => await KillLeaderAsync(),
                2 => await RestartApiServerAsync(),
                3 => await BlackoutAsync(),
                _ => await LatencyAsync(),
            };
            if (kind is not null)
            {
                result.Count(kind);
                log($"fault {kind}");
            }
        }
    }

    private async Task<string?> KillSiloAsync()
    {
        var index = 1 + random.Next(system.Cluster.Silos.Count - 1);
        await system.Cluster.KillSiloAsync(index);
        await Task.Delay(random.Next(200, 1500));
        await system.Cluster.RestartSiloAsync(index);
        return "silo-kill";
    }

    private async Task<string?> KillLeaderAsync()
    {
        if (await system.LeaderAsync(CancellationToken.None) is not { } leader)
        {
            return null;
        }

        leader.Process.Kill();
        await leader.Process.WaitForExitAsync();
        system.WatchHosts.Remove(leader);
        await Task.Delay(random.Next(0, 1000));
        system.WatchHosts.Add(await system.Cluster.StartWatchHostAsync(system.Env.Kube.KubeconfigPath, ChaosSystem.Namespace, ChaosSystem.Namespace));
        return "watchhost-leader-kill";
    }

    private async Task<string?> RestartApiServerAsync()
    {
        await system.Env.Kube.RestartApiServerAsync();
        return "apiserver-restart";
    }

    private async Task<string?> BlackoutAsync()
    {
        await system.Database.DisableAsync();
        try
        {
            await Task.Delay(random.Next(500, 4000));
        }
        finally
        {
            await system.Database.EnableAsync();
        }

        return "db-blackout";
    }

    private async Task<string?> LatencyAsync()
    {
        await system.Database.AddLatencyAsync(random.Next(20, 300));
        try
        {
            await Task.Delay(random.Next(1000, 4000));
        }
        finally
        {
            await system.Database.RemoveToxicsAsync();
        }

        return "db-latency";
    }
}
