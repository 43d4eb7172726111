using System.Diagnostics;
using System.Globalization;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Chaos;

/// <summary>
/// One seeded run: start the system, create the users, let the operator, the managers, the owner, the replays and the
/// faults run for the run's length, make everything healthy again, wait (bounded) for convergence, then check.
/// </summary>
internal sealed class ChaosRun(ChaosOptions options, int seed)
{
    private static readonly TimeSpan ConvergenceDeadline = TimeSpan.FromSeconds(120);

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var result = new RunResult();
        var clock = Stopwatch.StartNew();
        Log($"starting (3 silos, 2 watch hosts, {options.Jobs} jobs of {options.Users} users, {options.Seconds}s of faults)");
        await using var system = await ChaosSystem.StartAsync(seed, cancellationToken);
        var owners = Enumerable.Range(0, options.Users).Select(i => OwnerId(seed, i)).ToList();
        foreach (var owner in owners)
        {
            await system.Users.CreateUserAsync(owner, cancellationToken);
        }

        var ledger = new Ledger(owners);
        var recorder = new DocumentRecorder(system.Users.Collection, ledger);
        var length = TimeSpan.FromSeconds(options.Seconds);
        var operatorLoop = new OperatorLoop(system, ledger, Seeded(seed, 1), options.Jobs, length);
        var replays = new ReplayInjector(system, ledger, Seeded(seed, 4));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopRecorder = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(length);
        Log($"system up after {clock.Elapsed.TotalSeconds:F0}s; running");
        var recording = Task.Run(() => recorder.RunAsync(stopRecorder.Token), CancellationToken.None);
        await Task.WhenAll(
            Task.Run(() => operatorLoop.RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new ManagerWriters(system.Users.Collection, ledger, Seeded(seed, 2)).RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new OwnerRemover(system, ledger, Seeded(seed, 3), removals: 4, length).RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => replays.RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new FaultScheduler(system, result, Seeded(seed, 5), Log).RunAsync(stop.Token), CancellationToken.None));
        result.Count("replay", replays.Sent);

        // Healthy again: every silo up (the scheduler restarts what it killed), the database reachable, a leader.
        await system.Database.EnableAsync(cancellationToken);
        await system.Database.RemoveToxicsAsync(cancellationToken);
        foreach (var job in ledger.Jobs)
        {
            await Eventually.UntilAsync(async ct => { await system.Driver.RefreshAsync(job, ct); return true; }, TimeSpan.FromSeconds(60), $"{job.Name} readable", cancellationToken);
        }

        Log($"faults over after {clock.Elapsed.TotalSeconds:F0}s ({system.Driver.Writes} operator writes, {ledger.Removed.Count} entries removed by owners); waiting for convergence");
        var converged = await ConvergeAsync(system, ledger, cancellationToken);
        await stopRecorder.CancelAsync();
        await recording;
        await recorder.PollOnceAsync(cancellationToken);
        await new InvariantChecker(system, ledger, recorder).CheckAsync(result, cancellationToken);
        Log($"{(converged ? "converged" : "NOT converged")}; {recorder.Polls} document polls; {clock.Elapsed.TotalSeconds:F0}s in all");
        Report(result);
        return result;
    }

    private static async Task<bool> ConvergeAsync(ChaosSystem system, Ledger ledger, CancellationToken cancellationToken)
    {
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    var entries = await system.Users.EntriesAsync(ct);
                    return ledger.Jobs.All(j => ledger.Removed.ContainsKey(j.Uid)
                        || (entries.TryGetValue(j.Uid, out var e) && e.Owner == j.Owner && UserDocuments.Status(e.Entry) == j.ExpectedStatus));
                },
                ConvergenceDeadline, "every entry matches its AgentJob", cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Report(RunResult result)
    {
        Log("faults " + string.Join(", ", result.Faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value}")));
        foreach (var (kind, lines) in new[] { ("lost", result.Lost), ("duplicated", result.Duplicated), ("regressed", result.Regressed), ("clobbered", result.Clobbered), ("operator", result.OperatorConflicts) })
        {
            foreach (var line in lines)
            {
                Log($"{kind}: {line}");
            }
        }

        if (!result.Passed)
        {
            Log($"FAILED; replay with: make chaos RUNS=1 SEED={seed.ToString(CultureInfo.InvariantCulture)} SECONDS={options.Seconds.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void Log(string message) => Console.WriteLine($"chaos seed {seed.ToString(CultureInfo.InvariantCulture)}: {message}");

    private static Random Seeded(int seed, int stream) => new(unchecked((seed * 1_000_003) + stream));

    private static string OwnerId(int seed, int index)
    {
        var bytes = new byte[16];
        Seeded(seed, 1000 + index).NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
