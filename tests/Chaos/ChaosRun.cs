using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentJobSync.TestHarness;
using k8s;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;

namespace AgentJobSync.Chaos;

/// <summary>
/// One seeded run: start the system, create the users, let the operator, the managers, the owners, the replays and the
/// faults run for the run's length, make everything healthy again, wait (bounded) for convergence, then check the
/// documents and the membership. A failed run keeps every process's log and the final documents in its seed's folder.
/// </summary>
internal sealed class ChaosRun(ChaosOptions options, int seed)
{
    private static readonly TimeSpan ConvergenceDeadline = TimeSpan.FromSeconds(180);

    /// <summary>How long a membership change may take to delete the expired dead objects (a join and a table refresh).</summary>
    private static readonly TimeSpan DeadObjectCleanup = TimeSpan.FromSeconds(60);

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        var result = new RunResult();
        string logs;
        await using (var system = await StartAsync(cancellationToken))
        {
            logs = system.Logs;
            try
            {
                await RunAsync(system, result, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A run that could not finish keeps its evidence too (the caller reports the exception).
                await KeepEvidenceAsync(system, cancellationToken);
                PrintReplay(logs);
                throw;
            }

            if (!result.Passed)
            {
                await KeepEvidenceAsync(system, cancellationToken);
            }
        }

        if (result.Passed)
        {
            Directory.Delete(logs, recursive: true);
        }
        else
        {
            PrintReplay(logs);
        }

        return result;
    }

    private void PrintReplay(string logs)
    {
        Log($"FAILED; logs and final documents in {logs}");
        Log($"replay with: make chaos RUNS=1 SEED={Text(seed)} SECONDS={Text(options.Seconds)} SILOS={Text(options.Silos)}");
    }

    private async Task<ChaosSystem> StartAsync(CancellationToken cancellationToken)
    {
        Log($"starting ({options.Silos} silo pods with the Kubernetes membership, 2 watch hosts, {options.Jobs} jobs of {options.Users} users, {options.Seconds}s of faults)");
        return await ChaosSystem.StartAsync(seed, options.Silos, Log, cancellationToken);
    }

    private async Task RunAsync(ChaosSystem system, RunResult result, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var owners = Enumerable.Range(0, options.Users).Select(i => OwnerId(seed, i)).ToList();
        foreach (var owner in owners)
        {
            await system.Users.CreateUserAsync(owner, cancellationToken);
        }

        var ledger = new Ledger(owners);
        var recorder = new DocumentRecorder(system.Users.Collection, ledger);
        var length = TimeSpan.FromSeconds(options.Seconds);
        var replays = new ReplayInjector(system, ledger, Seeded(seed, 4));
        using var journal = new ActivityJournal(system.Logs);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var background = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(length);
        Log("system up; running");
        Task[] watchers =
        [
            Task.Run(() => recorder.RunAsync(background.Token), CancellationToken.None),
            Task.Run(() => system.Membership.RunAsync(background.Token), CancellationToken.None),
            Task.Run(() => system.Silos.SuperviseAsync(background.Token), CancellationToken.None),
            Task.Run(() => system.SuperviseWatchHostsAsync(Log, background.Token), CancellationToken.None),
        ];
        await Task.WhenAll(
            Task.Run(() => new OperatorLoop(system, ledger, recorder, journal, Seeded(seed, 1), options.Jobs, length).RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new ManagerWriters(system.Users.Collection, ledger, Seeded(seed, 2)).RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new OwnerRemover(system, ledger, Seeded(seed, 3), removals: Math.Max(4, options.Seconds / 30), length).RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => replays.RunAsync(stop.Token), CancellationToken.None),
            Task.Run(() => new FaultScheduler(new FaultActions(system, result), result, Seeded(seed, 5), options.Silos, line => { journal.Write(line); Log(line); }).RunAsync(stop.Token), CancellationToken.None));
        result.Replays = replays.Sent;

        await system.HealAsync(cancellationToken);
        foreach (var job in ledger.Jobs.Where(j => !ledger.Deleted.ContainsKey(j.Uid)))
        {
            try
            {
                await Eventually.UntilAsync(async ct => { await system.Driver.RefreshAsync(job, ct); return true; }, TimeSpan.FromSeconds(60), $"{job.Name} readable", cancellationToken);
            }
            catch (TimeoutException e)
            {
                result.Lost.Add($"{job.Name}: the AgentJob cannot be read after the run (the run never deleted it): {e.InnerException?.Message.Split('\n')[0]}");
                ledger.Deleted[job.Uid] = job.ExpectedStatus;
            }
        }

        var deletedByState = string.Join(", ", ledger.Deleted.Values.GroupBy(v => v).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        Log($"faults over after {clock.Elapsed.TotalSeconds:F0}s ({system.Driver.Writes} operator writes, {ledger.Deleted.Count} jobs deleted: {deletedByState}; {ledger.Removed.Count} entries removed by owners); waiting for convergence");
        var converged = await ConvergeAsync(system, ledger, cancellationToken);
        await CheckDeadObjectsAsync(system, result, Log, cancellationToken);
        await background.CancelAsync();
        await Task.WhenAll(watchers);
        await recorder.PollOnceAsync(cancellationToken);
        await new InvariantChecker(system, ledger, recorder).CheckAsync(result, cancellationToken);
        CountMembership(system, result);
        Log($"{(converged ? "converged" : "NOT converged")}; {recorder.Polls} document polls; {clock.Elapsed.TotalSeconds:F0}s in all");
        Report(result);
    }

    private static async Task<bool> ConvergeAsync(ChaosSystem system, Ledger ledger, CancellationToken cancellationToken)
    {
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    var entries = await system.Users.EntriesAsync(ct);
                    return ledger.Jobs.All(j => ledger.Removed.ContainsKey(j.Uid) || (entries.TryGetValue(j.Uid, out var e) && e.Owner == j.Owner && Matches(j, e.Entry)));
                },
                ConvergenceDeadline, "every entry matches its AgentJob", cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }

        bool Matches(OperatorJob job, BsonDocument entry) => ledger.Deleted.TryGetValue(job.Uid, out var final)
            ? UserDocuments.Status(entry) == final && UserDocuments.IsDeleted(entry)
            : UserDocuments.Status(entry) == job.ExpectedStatus;
    }

    // Dead incarnations' objects must not pile up. Orleans deletes expired ones when the membership changes (the first
    // active silo does, at each change), so a quiet cluster keeps its last dead objects until the next change: once
    // every dead object seen is older than the retention, one more silo joins, and every one of them must then go.
    private static async Task CheckDeadObjectsAsync(ChaosSystem system, RunResult result, Action<string> log, CancellationToken cancellationToken)
    {
        var membership = system.Membership;
        await membership.PollOnceAsync(cancellationToken);
        var dead = membership.Latest.Where(r => r.Status == "Dead").Select(r => r.ObjectName).ToHashSet(StringComparer.Ordinal);
        if (dead.Count == 0)
        {
            return;
        }

        var expired = dead.Select(d => membership.DeadSince.GetValueOrDefault(d)).Max() + ChaosSystem.DeadSiloRetention + TimeSpan.FromSeconds(5);
        var wait = expired > membership.Now ? expired - membership.Now : TimeSpan.Zero;
        await Eventually.UntilAsync(() => membership.Now >= expired, wait + TimeSpan.FromSeconds(5), "every dead object older than DEFUNCT_SILO_RETENTION", cancellationToken);
        var added = await system.Silos.ScaleUpAsync(cancellationToken);
        var left = dead;
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    await membership.PollOnceAsync(ct);
                    left = membership.Latest.Select(r => r.ObjectName).Where(dead.Contains).ToHashSet(StringComparer.Ordinal);
                    return left.Count == 0;
                },
                DeadObjectCleanup, "dead objects cleaned up", cancellationToken);
            log($"membership: {dead.Count} dead objects left at the end, all deleted once {added} joined");
        }
        catch (TimeoutException)
        {
            foreach (var name in left)
            {
                result.MembershipFailure($"dead object {name} older than DEFUNCT_SILO_RETENTION ({ChaosSystem.DeadSiloRetention.TotalSeconds:F0}s) still there {DeadObjectCleanup.TotalSeconds:F0}s after {added} joined");
            }
        }
    }

    private static void CountMembership(ChaosSystem system, RunResult result)
    {
        var faulted = system.Silos.Faulted.ToHashSet(StringComparer.Ordinal);
        result.DeclaredDead = system.Membership.DeadSince.Count;
        result.DeclaredDeadUnprovoked = system.Membership.DeadSince.Keys.Count(k => !faulted.Contains(k));
        result.FaultRestarts = system.Silos.FaultRestarts;
        result.UnplannedRestarts = system.Silos.UnplannedRestarts + system.UnplannedWatchHostRestarts;
        result.StartCrashes = system.StartCrashes;
    }

    // The final documents and every AgentJob, next to the processes' logs (what can still be read).
    private static async Task KeepEvidenceAsync(ChaosSystem system, CancellationToken cancellationToken)
    {
        system.KeepServerLogs();
        try
        {
            await KeepDocumentsAsync(system, cancellationToken);
        }
        catch (Exception e) when (e is MongoException or HttpRequestException or k8s.Autorest.HttpOperationException or TimeoutException)
        {
            await File.WriteAllTextAsync(Path.Combine(system.Logs, "documents-not-kept.txt"), e.ToString(), cancellationToken);
        }
    }

    private static async Task KeepDocumentsAsync(ChaosSystem system, CancellationToken cancellationToken)
    {
        var docs = await system.Users.Collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken);
        var settings = new JsonWriterSettings { OutputMode = JsonOutputMode.RelaxedExtendedJson, Indent = true };
        await File.WriteAllTextAsync(Path.Combine(system.Logs, "users.json"), new BsonArray(docs).ToJson(settings), cancellationToken);
        var jobs = await system.Env.Kube.Client.CustomObjects.ListNamespacedCustomObjectAsync("ea.erulabs.ai", "v1", ChaosSystem.Namespace, "agentjobs", cancellationToken: cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(system.Logs, "agentjobs.json"), JsonSerializer.Serialize(jobs, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    private void Report(RunResult result)
    {
        Log("faults " + string.Join(", ", result.Faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value}")) + $"; {result.Replays} replays");
        Log($"membership: {result.DeclaredDead} incarnations declared dead, {result.DeclaredDeadUnprovoked} of them not taken down by a fault; " +
            $"{result.FaultRestarts} silo restarts after faults, {result.UnplannedRestarts} processes restarted after exiting on their own, {result.StartCrashes} crashes at start");
        foreach (var (kind, lines) in new[] { ("lost", result.Lost), ("duplicated", result.Duplicated), ("regressed", result.Regressed), ("clobbered", result.Clobbered), ("operator", result.OperatorConflicts), ("membership", result.MembershipFailures) })
        {
            foreach (var line in lines)
            {
                Log($"{kind}: {line}");
            }
        }
    }

    private void Log(string message) => Console.WriteLine($"chaos seed {Text(seed)} {DateTimeOffset.UtcNow:HH:mm:ss}: {message}");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Random Seeded(int seed, int stream) => new(unchecked((seed * 1_000_003) + stream));

    private static string OwnerId(int seed, int index)
    {
        var bytes = new byte[16];
        Seeded(seed, 1000 + index).NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}
