using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentJobSync.Bench;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;

// `make bench`: every figure in one run on this machine, printed and written to bench/results.json.
var seconds = Setting("BENCH_SECONDS", 10);
var writers = (int)Setting("BENCH_WRITERS", 8);
var sustainedJobs = (int)Setting("BENCH_JOBS", 300);
var lagSeconds = Setting("BENCH_LAG_SECONDS", 3);
var scaleJobs = (int)Setting("BENCH_SCALE_JOBS", 5000);
var catchUpLimit = TimeSpan.FromMinutes(Setting("BENCH_CATCHUP_MINUTES", 10));
var duration = TimeSpan.FromSeconds(seconds);
var timeout = TimeSpan.FromMinutes(10);

await using var env = await TestEnvironment.StartAsync();
var ns = await env.Kube.CreateNamespaceAsync("bench");
var results = new JsonObject { ["machine"] = $"{Environment.ProcessorCount} cores", ["writers"] = writers, ["seconds_per_raw_measurement"] = seconds };
void Report(string key, JsonNode value, string line)
{
    results[key] = value;
    Console.WriteLine(line);
}

// Documents as full as the pipeline's during its sustained-rate phase (its jobs over 20 users): FerretDB v1 rewrites the
// whole document on every update, so the document's size sets the physical limit.
var entriesPerUser = (int)Math.Ceiling(sustainedJobs / 20.0);
var database = await RawRates.DatabaseUpdatesPerSecondAsync(env.Mongo.Client, writers, duration, entriesPerUser);
Report("raw_db_updates_per_s", Math.Round(database, 1), $"raw database update rate ({writers} writers, same proxy, {entriesPerUser} entries per document): {database,8:F1} /s");
var apiServer = await RawRates.StatusUpdatesPerSecondAsync(env.Kube.Client, ns, writers, duration);
Report("raw_api_status_updates_per_s", Math.Round(apiServer, 1), $"raw API server status-update rate ({writers} writers):       {apiServer,8:F1} /s");

// The shipped processes: 3 silos and one watch host (it wins the lease at once), on the same database proxy.
var logs = Path.Combine(TestAssets.RepoRoot, ".build", "bench-logs");
await using var cluster = new LocalSiloCluster(PublishedApps.Locate(), env.Mongo.Url, logs);
await cluster.StartSilosAsync(3);
var watchHost = await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, ns, ns);
int[] Pids() => [.. Enumerable.Range(0, cluster.Silos.Count).Select(i => cluster.Silo(i).Pid), watchHost.Process.Pid];
var baseline = Resident.Bytes(Pids());
var baselineWatchHost = Resident.Bytes([watchHost.Process.Pid]);
var baselineWatchHostHeap = await Scrape.SumAsync([watchHost.HttpPort], "dotnet_gc_last_collection_heap_size_bytes");
var baselineHeaps = await Scrape.SumAsync([.. Enumerable.Range(0, cluster.Silos.Count).Select(i => cluster.Silos[i].HttpPort), watchHost.HttpPort], "dotnet_gc_last_collection_heap_size_bytes");
using var client = Host.CreateDefaultBuilder()
    .UseOrleansClient(c => c.UseStaticClustering([.. cluster.Silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort))])
        .Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("agentjob-sync", "agentjob-sync")))
    .ConfigureLogging(l => l.ClearProviders())
    .Build();
await client.StartAsync();
var users = new UserDocuments(env.Mongo.Client);
var owners = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString()).ToList();
foreach (var owner in owners)
{
    await users.CreateUserAsync(owner);
}

var siloPorts = cluster.Silos.Select(s => s.HttpPort).ToList();
var pipeline = new Pipeline(env.Kube.Client, ns, users, client.Services.GetRequiredService<IClusterClient>(), siloPorts);
var phases = new JsonObject();
var profile = await DatabaseProfile.ScrapeAsync(siloPorts);
var cpu = CpuProfile.Snapshot();
var phaseClock = System.Diagnostics.Stopwatch.StartNew();

// Where a phase's time went: database commands (the test database runs one at a time) and CPU by process (every part
// of the path shares this machine's cores).
async Task PhaseDoneAsync(string phase)
{
    var now = await DatabaseProfile.ScrapeAsync(siloPorts);
    var cpuNow = CpuProfile.Snapshot();
    var spent = now.Since(profile);
    var used = cpuNow.Since(cpu);
    var cpuJson = new JsonObject();
    foreach (var (command, cpuSeconds) in used.Top())
    {
        cpuJson[command] = Math.Round(cpuSeconds, 1);
    }

    phases[phase] = new JsonObject { ["seconds"] = Math.Round(phaseClock.Elapsed.TotalSeconds, 1), ["db"] = spent.ToJson(), ["cpu_s"] = cpuJson };
    Console.WriteLine($"  {phase}, {phaseClock.Elapsed.TotalSeconds:F1} s: database {spent}");
    Console.WriteLine($"  {phase}: {used.Describe(phaseClock.Elapsed)}");
    (profile, cpu) = (now, cpuNow);
    phaseClock.Restart();
}

var sustained = await pipeline.CreateJobsAsync("rate", sustainedJobs, owners, timeout);
await PhaseDoneAsync("create");
var (rate, took) = await pipeline.SustainedRateAsync(sustained, writers, timeout);
var ratio = rate / Math.Min(database, apiServer);
Report("pipeline_transitions_per_s", Math.Round(rate, 1), $"pipeline sustained transitions ({sustainedJobs} jobs x 3, {took:F1} s): {rate,8:F1} /s");
Report("ratio", Math.Round(ratio, 3), $"ratio = pipeline / smaller raw rate:                      {ratio,8:F3}");
await PhaseDoneAsync("sustained");

var lagByRate = new JsonObject();
foreach (var offered in new[] { 100, 500, 1000 })
{
    var jobs = await pipeline.CreateJobsAsync($"lag{offered}", (int)(offered * lagSeconds / 3), owners, timeout);
    var (achieved, lags, missing) = await pipeline.OpenLoopLagAsync(jobs, offered, timeout);
    lags.Sort();
    double P(double q) => lags.Count == 0 ? double.NaN : lags[Math.Min(lags.Count - 1, (int)Math.Ceiling(q * lags.Count) - 1)];
    lagByRate[offered.ToString(CultureInfo.InvariantCulture)] = new JsonObject
    {
        ["offered_per_s"] = Math.Round(achieved, 1),
        ["p50"] = Math.Round(P(0.50), 1),
        ["p95"] = Math.Round(P(0.95), 1),
        ["p99"] = Math.Round(P(0.99), 1),
        ["transitions"] = lags.Count,
        ["unmeasured"] = missing,
    };
    Console.WriteLine($"lag at {offered,4}/s offered ({achieved:F0}/s achieved, {lags.Count} transitions): p50 {P(0.5),7:F1} ms  p95 {P(0.95),7:F1} ms  p99 {P(0.99),7:F1} ms");
}

results["lag_ms"] = lagByRate;
await PhaseDoneAsync("lag");

// BENCH_SCALE_JOBS=0 leaves out the scale and catch-up phases (a quick run of the rates and the lag).
if (scaleJobs > 0)
{
    // Scale: many more jobs tracked, then idle grains deactivated; resident memory of silos + watch host per tracked job.
    // Ten jobs per user, as in the target (100,000 jobs of 10,000 users).
    var scaleOwners = Enumerable.Range(0, Math.Max(1, scaleJobs / 10)).Select(_ => Guid.NewGuid().ToString()).ToList();
    await Parallel.ForEachAsync(scaleOwners, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (owner, ct) => await users.CreateUserAsync(owner, ct));
    var scaleWatch = System.Diagnostics.Stopwatch.StartNew();
    var scale = await pipeline.CreateJobsAsync("scale", scaleJobs, scaleOwners, TimeSpan.FromMinutes(120));
    Console.WriteLine($"  {scaleJobs} jobs of {scaleOwners.Count} users created and given their entries in {scaleWatch.Elapsed.TotalSeconds:F0} s");
    var tracked = sustainedJobs + (int)((100 + 500 + 1000) * lagSeconds / 3) + scaleJobs;
    var management = client.Services.GetRequiredService<IClusterClient>().GetGrain<Orleans.Runtime.IManagementGrain>(0);
    await management.ForceActivationCollection(TimeSpan.Zero);
    var residentAsIs = Resident.Bytes(Pids());
    // What the processes hold, not what their garbage collectors have not returned yet: a full collection in every silo
    // (Orleans' management grain) and the watch host's managed heap after its own last collection.
    await management.ForceGarbageCollection([.. (await management.GetHosts(onlyActive: true)).Keys]);
    var resident = Resident.Bytes(Pids());
    var heaps = await Scrape.SumAsync([.. siloPorts, watchHost.HttpPort], "dotnet_gc_last_collection_heap_size_bytes");
    var perJob = (resident - baseline) / (double)tracked;
    Report("bytes_per_tracked_job", Math.Round(perJob), $"resident memory per tracked job ({tracked} jobs, idle grains deactivated, silos collected): {perJob,8:F0} bytes ({baseline / 1048576} MiB -> {resident / 1048576} MiB; {residentAsIs / 1048576} MiB before the silos' full collection)");
    Report("heap_bytes_per_tracked_job", Math.Round((heaps - baselineHeaps) / tracked), $"managed heap per tracked job after the last collections:  {(heaps - baselineHeaps) / tracked,8:F0} bytes ({baselineHeaps / 1048576:F0} MiB -> {heaps / 1048576:F0} MiB)");
    results["bytes_per_tracked_job_jobs"] = tracked;
    // The same, per process: what the watch host holds (its cache of every job) and what the silos hold.
    var watchHostResident = Resident.Bytes([watchHost.Process.Pid]);
    var watchHostHeap = await Scrape.SumAsync([watchHost.HttpPort], "dotnet_gc_last_collection_heap_size_bytes");
    results["bytes_per_tracked_job_by_process"] = new JsonObject
    {
        ["watch_host_resident"] = Math.Round((watchHostResident - baselineWatchHost) / (double)tracked),
        ["watch_host_heap"] = Math.Round((watchHostHeap - baselineWatchHostHeap) / tracked),
        ["silos_resident"] = Math.Round((resident - watchHostResident - (baseline - baselineWatchHost)) / (double)tracked),
        ["silos_heap"] = Math.Round((heaps - watchHostHeap - (baselineHeaps - baselineWatchHostHeap)) / tracked),
    };
    Console.WriteLine($"  per tracked job by process: {results["bytes_per_tracked_job_by_process"]!.ToJsonString()}");
    await PhaseDoneAsync("scale");

    // Catch-up: the watch host stops, every scale job changes, a new watch host starts; time until every entry shows it.
    watchHost.Process.Terminate();
    await watchHost.Process.WaitForExitAsync();
    await Parallel.ForEachAsync(scale, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (job, _) => await pipeline.SetStateAsync(job.Name, "executing"));
    var executingBefore = await pipeline.PersistedAsync("Executing");
    var catchUp = System.Diagnostics.Stopwatch.StartNew();
    watchHost = await cluster.StartWatchHostAsync(env.Kube.KubeconfigPath, ns, ns);
    var behind = await pipeline.CountBehindAfterAsync(scale.Select(j => j.Uid), "Executing", catchUpLimit, executingBefore);
    var caughtUp = scaleJobs - behind;
    if (behind == 0)
    {
        Report("catchup_s", Math.Round(catchUp.Elapsed.TotalSeconds, 1), $"catch-up of {scaleJobs} jobs changed while the watch host was down: {catchUp.Elapsed.TotalSeconds,8:F1} s");
    }
    else
    {
        // Not finished in the bench's time: the count that did converge, and the rate it went at.
        results["catchup_s"] = null;
        Console.WriteLine($"catch-up of {scaleJobs} jobs changed while the watch host was down: NOT finished in {catchUpLimit.TotalMinutes:F0} min; {caughtUp} converged ({caughtUp / catchUp.Elapsed.TotalSeconds:F1} jobs/s)");
    }

    results["catchup_jobs"] = scaleJobs;
    results["catchup_converged"] = caughtUp;
    results["catchup_jobs_per_s"] = Math.Round(caughtUp / catchUp.Elapsed.TotalSeconds, 1);
    await PhaseDoneAsync("catch-up");
}

// Where the time goes, from the processes' own meters over the whole run.
var silos = siloPorts;
var grainLag = await Scrape.MeanMsAsync(silos, "agentjob_sync_lag_seconds");
var update = await Scrape.MeanMsAsync(silos, "agentjob_db_duration_seconds", "command=\"update\"");
var commands = await Scrape.SumAsync(silos, "agentjob_db_duration_seconds_count");
var calls = await Scrape.SumAsync(silos, "agentjob_grain_calls_total");
var byCommand = (await DatabaseProfile.ScrapeAsync(silos)).ToJson();
Console.WriteLine($"database commands by name: {byCommand.ToJsonString()}");
results["breakdown"] = new JsonObject
{
    ["grain_calls"] = calls,
    ["db_commands"] = commands,
    ["db_commands_by_name"] = byCommand,
    ["db_by_phase"] = phases,
    ["mean_watch_observed_to_persisted_ms"] = Math.Round(grainLag, 1),
    ["mean_db_update_ms"] = Math.Round(update, 1),
};
Console.WriteLine($"breakdown: {calls} grain calls, {commands} database commands; mean lag from the watch host seeing a change to its entry written {grainLag:F1} ms; mean database update {update:F1} ms");
await client.StopAsync();
var output = Path.Combine(TestAssets.RepoRoot, "bench", "results.json");
await File.WriteAllTextAsync(output, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
SummaryTable.Print(results);
Console.WriteLine($"written to {output}");

static double Setting(string name, double fallback) =>
    double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
