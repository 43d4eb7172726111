using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AgentJobSync.Grains;
using AgentJobSync.TestHarness;
using Orleans.Runtime;

namespace AgentJobSync.Bench;

/// <summary>
/// <c>make soak</c>: steady traffic at half the raw rate (<c>SOAK_RAW_FRACTION</c>, counted in the database commands and
/// API-server writes a job's life takes) for <c>SOAK_MINUTES</c> (default 30). Every second a new user
/// gets a batch of jobs, each created, then one second apart made inactive, executing and completed, and deleted ten
/// seconds later (so the number of live jobs stays level and memory may not grow with it). Each minute: memory of the
/// silos and the watch host (resident, and managed heap after a full collection in each process) and the lag from a
/// completed status to its persisted entry for two jobs of every batch. Writes <c>bench/soak.png</c> and prints the table.
/// Fails (exit 1) when memory keeps growing after the warm-up (<see cref="SoakVerdict"/>) or any job is lost.
/// </summary>
internal static class Soak
{
    private static readonly string[] States = ["inactive", "executing", "completed"];
    private static readonly TimeSpan SecondsBeforeDelete = TimeSpan.FromSeconds(10);

    // A job's life as the soak drives it: four transitions (New, Pending, Executing, Complete) and a deletion. Database
    // commands: the claim and the append at creation, one guarded update for each later transition and for the deletion
    // (5 with the append), and two saves of the bookkeeping (at creation, and the history at deactivation); a 30-minute
    // run measured 8.01 a job. API-server writes: the creation, three status updates and the deletion.
    private const double DatabaseCommandsPerJob = 8;
    private const double ApiWritesPerJob = 5;

    public static async Task<int> RunAsync()
    {
        var minutes = (int)Setting("SOAK_MINUTES", 30);
        var warmUp = Math.Min((int)Setting("SOAK_WARMUP_MINUTES", 5), Math.Max(1, minutes - 3));
        // The part of the raw rate offered: half by default (the target's load).
        var fraction = Setting("SOAK_RAW_FRACTION", 0.5);
        var rawSeconds = TimeSpan.FromSeconds(5);
        double database = 0, apiServer = 0;
        await using var system = await BenchSystem.StartAsync(async (env, ns) =>
        {
            database = await RawRates.DatabaseUpdatesPerSecondAsync(env.Mongo.Client, 8, rawSeconds, 10);
            apiServer = await RawRates.StatusUpdatesPerSecondAsync(env.Kube.Client, ns, 8, rawSeconds);
        });
        // The raw rates count writes, so the offered load is counted in the writes a job's life takes of each: the
        // busier of the two is offered the fraction of its raw rate.
        var jobsPerSecond = fraction * Math.Min(database / DatabaseCommandsPerJob, apiServer / ApiWritesPerJob);
        var perBatch = Math.Max(1, (int)Math.Round(jobsPerSecond));
        Console.WriteLine(SoakSample.Header);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: raw rates: database {database:F0} updates/s, API server {apiServer:F0} writes/s; offering {perBatch} jobs a second ({perBatch * DatabaseCommandsPerJob / database:P0} of the database's, {perBatch * ApiWritesPerJob / apiServer:P0} of the API server's; {perBatch * 4} transitions/s) for {minutes} min, warm-up {warmUp} min"));
        var commandsBefore = await DatabaseProfile.ScrapeAsync(system.SiloPorts);

        var created = new ConcurrentBag<string>();
        var lagsByMinute = new ConcurrentDictionary<int, ConcurrentBag<double>>();
        var failures = new ConcurrentBag<string>();
        var samples = new List<SoakSample>();
        var lives = new List<Task>();
        var clock = Stopwatch.StartNew();
        var management = system.Orleans.GetGrain<IManagementGrain>(0);
        for (var second = 0; second < minutes * 60; second++)
        {
            // Pacing the offered load (open loop): a batch starts every second whatever the service does.
            var due = TimeSpan.FromSeconds(second);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var batch = second;
            lives.Add(Task.Run(async () =>
            {
                try
                {
                    await BatchLifeAsync(system, batch, perBatch, clock, created, lagsByMinute);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures.Add($"batch {batch}: {e.GetType().Name}: {e.Message}");
                }
            }));
            lives.RemoveAll(t => t.IsCompleted);

            if ((second + 1) % 60 == 0)
            {
                await management.ForceGarbageCollection([.. (await management.GetHosts(onlyActive: true)).Keys]);
                await FullCollection.RunAsync(system.WatchHost.Process.Pid, TimeSpan.FromSeconds(30));
                var minute = (second + 1) / 60;
                var sample = new SoakSample(
                    minute,
                    created.Count,
                    await Scrape.SumAsync(system.SiloPorts, "agentjob_transitions_persisted_total"),
                    Resident.Bytes(system.SiloPids),
                    Resident.Bytes([system.WatchHost.Process.Pid]),
                    await BenchSystem.HeapBytesAsync(system.SiloPorts),
                    await BenchSystem.HeapBytesAsync([system.WatchHost.HttpPort]),
                    await BenchSystem.GcCommittedBytesAsync(system.HttpPorts),
                    GcRange.ResidentOutside(system.Pids),
                    await Scrape.SumAsync(system.SiloPorts, "orleans_catalog_activations"),
                    Percentiles(lagsByMinute.GetValueOrDefault(minute - 1)),
                    lives.Count);
                samples.Add(sample);
                Console.WriteLine(sample.Row(samples.Count > 1 ? samples[^2] : null));
            }
        }

        await Task.WhenAll(lives);
        var lost = await LostJobsAsync(system.Users, created, TimeSpan.FromMinutes(5));
        var plot = Path.Combine(TestAssets.RepoRoot, "bench", "soak.png");
        // Every batch's lag is known now (a minute's last batches were still running when its memory was sampled).
        samples = [.. samples.Select(s => s with { Lag = Percentiles(lagsByMinute.GetValueOrDefault(s.Minute - 1)) })];
        SoakPlot.Save(samples, warmUp, plot);
        Console.WriteLine();
        Console.WriteLine(SoakSample.Header);
        foreach (var (sample, i) in samples.Select((s, i) => (s, i)))
        {
            Console.WriteLine(sample.Row(i > 0 ? samples[i - 1] : null));
        }

        foreach (var failure in failures.Take(20))
        {
            Console.WriteLine($"soak: offered load failed: {failure}");
        }

        var commands = (await DatabaseProfile.ScrapeAsync(system.SiloPorts)).Since(commandsBefore);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: database commands per job cycled (the pacing assumes {DatabaseCommandsPerJob}): {commands.Total / Math.Max(1, created.Count):F2} ({commands})"));
        var verdict = SoakVerdict.Judge(samples, warmUp, perBatch * 60);
        Console.WriteLine(verdict.Describe());
        Console.WriteLine($"soak: {created.Count} jobs, {lost.Count} lost{(lost.Count > 0 ? " (e.g. " + string.Join(", ", lost.Take(5)) + ")" : "")}; plot in {plot}");
        var ok = verdict.Flat && lost.Count == 0 && failures.IsEmpty;
        Console.WriteLine(ok ? "soak: passed" : "soak: FAILED");
        return ok ? 0 : 1;
    }

    // One batch: a new user, its jobs created, one second apart through inactive/executing/completed, deleted ten
    // seconds after completion. Two jobs of the batch have their lag read from their grains' timelines before deletion.
    private static async Task BatchLifeAsync(BenchSystem system, int batch, int size, Stopwatch clock, ConcurrentBag<string> created, ConcurrentDictionary<int, ConcurrentBag<double>> lagsByMinute)
    {
        var kube = system.Env.Kube.Client;
        var owner = Guid.NewGuid().ToString();
        await system.Users.CreateUserAsync(owner);
        var names = Enumerable.Range(0, size).Select(i => $"soak-{batch}-{i}").ToList();
        var uids = new string[size];
        await Parallel.ForEachAsync(Enumerable.Range(0, size), async (i, _) => uids[i] = await BenchJobs.CreateAsync(kube, system.Namespace, names[i], owner));
        foreach (var uid in uids)
        {
            created.Add(uid);
        }

        var completedAt = new DateTimeOffset[size];
        for (var step = 0; step < States.Length; step++)
        {
            var due = TimeSpan.FromSeconds(batch + step + 1);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var state = States[step];
            await Parallel.ForEachAsync(Enumerable.Range(0, size), async (i, _) =>
            {
                await BenchJobs.SetStateAsync(kube, system.Namespace, names[i], state);
                completedAt[i] = DateTimeOffset.UtcNow;
            });
        }

        await Task.Delay(SecondsBeforeDelete);
        var lags = lagsByMinute.GetOrAdd(batch / 60, _ => []);
        foreach (var i in new[] { 0, size - 1 }.Distinct())
        {
            var timeline = (await system.Orleans.GetGrain<IAgentJobGrain>(uids[i]).InspectAsync()).Timeline;
            var persisted = timeline.FirstOrDefault(t => t.State == JobState.Complete);
            // Not yet persisted when its deletion is due: at least this late.
            lags.Add(persisted is null ? SecondsBeforeDelete.TotalMilliseconds : Math.Max(0, (persisted.PersistedAt - completedAt[i]).TotalMilliseconds));
        }

        await Parallel.ForEachAsync(names, async (name, _) => await BenchJobs.DeleteAsync(kube, system.Namespace, name));
    }

    // Every job created must end as one entry in its owner's document, Complete and marked deleted.
    private static async Task<List<string>> LostJobsAsync(UserDocuments users, IEnumerable<string> uids, TimeSpan limit)
    {
        var pending = uids.ToHashSet(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var entries = await users.EntriesAsync();
            pending.RemoveWhere(uid => entries.TryGetValue(uid, out var e) && UserDocuments.Status(e.Entry) == "Complete" && UserDocuments.IsDeleted(e.Entry));
            if (pending.Count == 0 || clock.Elapsed > limit)
            {
                return [.. pending];
            }

            // Polling interval of a bench, not a test's synchronisation.
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
    }

    private static (double P50, double P99) Percentiles(ConcurrentBag<double>? lags)
    {
        if (lags is null || lags.IsEmpty)
        {
            return (double.NaN, double.NaN);
        }

        var sorted = lags.Order().ToList();
        double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return (P(0.5), P(0.99));
    }

    private static double Setting(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
