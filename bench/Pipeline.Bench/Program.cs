using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentJobSync.Bench;
using AgentJobSync.TestHarness;

// `make soak`: steady traffic for SOAK_MINUTES, memory and lag each minute (bench/soak.png); exit 1 on growth or loss.
if (args is ["soak", ..])
{
    Environment.ExitCode = await Soak.RunAsync();
    return;
}

// The managed-code top frames of a CPU trace the bench wrote (BENCH_PROFILE=1), read again.
if (args is ["trace-report", var traceFile])
{
    Console.WriteLine(TraceSummary.TopManagedFrames(traceFile, 40));
    return;
}

// `make bench`: every figure in one run on this machine, printed and written to bench/results.json.
var seconds = Setting("BENCH_SECONDS", 10);
var writers = (int)Setting("BENCH_WRITERS", 8);
var sustainedJobs = (int)Setting("BENCH_JOBS", 300);
var lagSeconds = Setting("BENCH_LAG_SECONDS", 10);
var scaleJobs = (int)Setting("BENCH_SCALE_JOBS", 20000);
var catchUpLimit = TimeSpan.FromMinutes(Setting("BENCH_CATCHUP_MINUTES", 10));
var profileCpu = Environment.GetEnvironmentVariable("BENCH_PROFILE") == "1";
var duration = TimeSpan.FromSeconds(seconds);
var timeout = TimeSpan.FromMinutes(10);

var results = new JsonObject { ["machine"] = $"{Environment.ProcessorCount} cores", ["writers"] = writers, ["seconds_per_raw_measurement"] = seconds };
void Report(string key, JsonNode? value, string line)
{
    results[key] = value;
    Console.WriteLine(line);
}

// The raw loops run before the service's processes start, on the same database proxy and API server.
double database = 0, apiServer = 0;
// Documents as full as the pipeline's during its sustained-rate phase (its jobs over 20 users): FerretDB v1 rewrites the
// whole document on every update, so the document's size sets the physical limit. The lag phase's users hold as many.
var entriesPerUser = (int)Math.Ceiling(sustainedJobs / 20.0);
await using var system = await BenchSystem.StartAsync(async (env, ns) =>
{
    database = await RawRates.DatabaseUpdatesPerSecondAsync(env.Mongo.Client, writers, duration, entriesPerUser);
    Report("raw_db_updates_per_s", Math.Round(database, 1), $"raw database update rate ({writers} writers, same proxy, {entriesPerUser} entries per document): {database,8:F1} /s");
    apiServer = await RawRates.StatusUpdatesPerSecondAsync(env.Kube.Client, ns, writers, duration);
    Report("raw_api_status_updates_per_s", Math.Round(apiServer, 1), $"raw API server status-update rate ({writers} writers):       {apiServer,8:F1} /s");
});

// "The raw rate" of every ratio below: the smaller of the two loops, the most the path could carry.
var raw = Math.Min(database, apiServer);
Report("raw_per_s", Math.Round(raw, 1), $"raw rate (the smaller):                                  {raw,8:F1} /s");

var silos = system.SiloPorts;
var memory = new MemoryFigures(system);
await memory.BaselineAsync();
var users = system.Users;
var owners = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString()).ToList();
foreach (var owner in owners)
{
    await users.CreateUserAsync(owner);
}

var pipeline = new Pipeline(system.Env.Kube.Client, system.Namespace, users, system.Orleans, silos);
var phases = new JsonObject();
var profile = await DatabaseProfile.ScrapeAsync(silos);
var cpu = CpuProfile.Snapshot();
var ours = OurCpu();
var scrapes = Scrape.Requests;
var runtime = await SiloRuntimeSecondsAsync();
var phaseClock = System.Diagnostics.Stopwatch.StartNew();

Dictionary<int, double> OurCpu() => system.Pids.ToDictionary(pid => pid, ProcessCpu.Seconds);

// Where a phase's time went: database commands (the test database runs one at a time), CPU by process name (every
// part of the path shares this machine's cores) and CPU of this run's own silos and watch host (by process id: other
// processes of the same names may share the machine). Returns the phase's database commands and our CPU seconds.
// CPU is read before the database profile is scraped and again after, so the bench's own scrape between phases counts
// in neither (the polls that wait for entries within a phase do count: see ScrapeCostAsync).
async Task<(double Commands, double OurCpuSeconds)> PhaseDoneAsync(string phase)
{
    var cpuNow = CpuProfile.Snapshot();
    var oursNow = OurCpu();
    var scrapesNow = Scrape.Requests;
    var now = await DatabaseProfile.ScrapeAsync(silos);
    var runtimeNow = await SiloRuntimeSecondsAsync();
    var (jit, gcPause) = (runtimeNow.Jit - runtime.Jit, runtimeNow.GcPause - runtime.GcPause);
    var spent = now.Since(profile);
    var used = cpuNow.Since(cpu);
    var cpuJson = new JsonObject();
    foreach (var (command, cpuSeconds) in used.Top())
    {
        cpuJson[command] = Math.Round(cpuSeconds, 1);
    }

    double Used(IEnumerable<int> pids) => pids.Sum(pid => oursNow.GetValueOrDefault(pid) - ours.GetValueOrDefault(pid));
    var silosCpu = Used(system.SiloPids);
    var watchHostCpu = Used([system.WatchHost.Process.Pid]);
    phases[phase] = new JsonObject
    {
        ["seconds"] = Math.Round(phaseClock.Elapsed.TotalSeconds, 1),
        ["db"] = spent.ToJson(),
        ["cpu_s"] = cpuJson,
        ["our_cpu_s"] = new JsonObject { ["silos"] = Math.Round(silosCpu, 2), ["watch_host"] = Math.Round(watchHostCpu, 2) },
        ["metrics_scrapes"] = scrapesNow - scrapes,
        ["silos_jit_s"] = Math.Round(jit, 2),
        ["silos_gc_pause_s"] = Math.Round(gcPause, 2),
    };
    Console.WriteLine($"  {phase}, {phaseClock.Elapsed.TotalSeconds:F1} s: database {spent} ({spent.Total:F0} commands)");
    Console.WriteLine($"  {phase}: {used.Describe(phaseClock.Elapsed)}; this run's silos {silosCpu:F2} CPU-s, watch host {watchHostCpu:F2} CPU-s ({jit:F2} s of it compiling code in the silos, {gcPause:F2} s with their threads paused by the GC); {scrapesNow - scrapes} scrapes of /metrics");
    (profile, runtime) = (now, runtimeNow);
    NextPhaseFromNow();
    return (spent.Total, silosCpu + watchHostCpu);
}

// The silos' JIT compilation and GC pause seconds so far (the runtime's own meter): warm-up and collections, not transitions.
async Task<(double Jit, double GcPause)> SiloRuntimeSecondsAsync()
{
    var bodies = await Scrape.BodiesAsync(silos);
    return (Scrape.Sum(bodies, "dotnet_jit_compilation_time_seconds_total"), Scrape.Sum(bodies, "dotnet_gc_pause_time_seconds_total"));
}

void NextPhaseFromNow()
{
    (cpu, ours, scrapes) = (CpuProfile.Snapshot(), OurCpu(), Scrape.Requests);
    phaseClock.Restart();
}

var sustained = await pipeline.CreateJobsAsync("rate", sustainedJobs, owners, timeout);
var created = await PhaseDoneAsync("create");
Report("db_commands_per_new_job", Math.Round(created.Commands / sustainedJobs, 2), $"database commands per new job ({sustainedJobs} created): {created.Commands / sustainedJobs,8:F2}");

// Warm-up, not measured: the sustained path once on a third as many other jobs, so the silos' code for transitions on
// active grains is compiled and optimized (tier 1) before the measured phase. Without it the measured phase carried
// that one-time cost: 56 s of JIT compilation in the silos in one run, against 1.3 s in the lag phase after it.
var warmUp = await pipeline.CreateJobsAsync("warm-up", Math.Max(1, sustainedJobs / 3), owners, timeout);
await pipeline.SustainedRateAsync(warmUp, writers, timeout);
await PhaseDoneAsync("warm-up");

var (rate, took) = await pipeline.SustainedRateAsync(sustained, writers, timeout);
var ratio = rate / raw;
Report("pipeline_transitions_per_s", Math.Round(rate, 1), $"pipeline sustained transitions ({sustainedJobs} jobs x 3, {took:F1} s): {rate,8:F1} /s");
Report("ratio", Math.Round(ratio, 3), $"ratio = pipeline / raw rate:                             {ratio,8:F3}");
var steady = await PhaseDoneAsync("sustained");
var transitions = sustainedJobs * 3;
Report("cpu_ms_per_transition", Math.Round(steady.OurCpuSeconds * 1000 / transitions, 2), $"CPU-ms per transition (this run's silos + watch host):    {steady.OurCpuSeconds * 1000 / transitions,8:F2}");
Report("db_commands_per_transition", Math.Round(steady.Commands / transitions, 3), $"database commands per transition:                        {steady.Commands / transitions,8:F3}");
var scrapeCost = await ScrapeCostAsync();
var idle = await IdleSiloCpuAsync(TimeSpan.FromSeconds(10));
results["idle_silo_cpu_ms_per_s"] = Math.Round(idle * 1000, 1);
Console.WriteLine($"  with no traffic a silo uses {idle * 1000:F1} CPU-ms per second (timers, membership, the runtime's own threads)");
NextPhaseFromNow();
var sustainedScrapes = phases["sustained"]!["metrics_scrapes"]!.GetValue<long>();
results["scrape_silo_cpu_ms"] = Math.Round(scrapeCost * 1000, 2);
Console.WriteLine($"  one scrape of a silo's /metrics costs it {scrapeCost * 1000:F2} CPU-ms (idle); the sustained phase's {sustainedScrapes} scrapes, about {sustainedScrapes * scrapeCost * 1000 / transitions:F2} CPU-ms per transition of the figure above, are the bench's load");

// What a silo costs per second with no traffic at all: a phase's CPU includes it for every second the phase lasts, so
// on a machine slowed by other work the CPU per transition rises without a transition costing more.
async Task<double> IdleSiloCpuAsync(TimeSpan span)
{
    var before = system.SiloPids.Sum(ProcessCpu.Seconds);
    await Task.Delay(span);
    return (system.SiloPids.Sum(ProcessCpu.Seconds) - before) / span.TotalSeconds / silos.Count;
}

// The bench polls the silos' /metrics while it waits for entries (every 200 ms), a load production does not have
// (Prometheus scrapes every 15 to 60 s). What one scrape costs a silo, measured with no traffic, says how much of the
// CPU per transition above is the bench's own.
async Task<double> ScrapeCostAsync()
{
    const int Rounds = 100; // /proc counts CPU in 10 ms ticks
    var before = system.SiloPids.Sum(ProcessCpu.Seconds);
    for (var i = 0; i < Rounds; i++)
    {
        await Scrape.BodiesAsync(silos);
    }

    return (system.SiloPids.Sum(ProcessCpu.Seconds) - before) / (Rounds * silos.Count);
}

if (profileCpu)
{
    // BENCH_PROFILE=1: the sustained phase again on fresh jobs, with CPU-sampling traces of one silo and the watch host
    // (a phase of its own: tracing costs CPU, so the figures above are taken without it).
    var traced = await pipeline.CreateJobsAsync("traced", sustainedJobs, owners, timeout);
    await PhaseDoneAsync("traced-create");
    var traces = new[]
    {
        await DiagnosticsTools.StartTraceAsync(system.Cluster.Silo(0).Pid, "silo-sustained"),
        await DiagnosticsTools.StartTraceAsync(system.WatchHost.Process.Pid, "watchhost-sustained"),
    };
    await pipeline.SustainedRateAsync(traced, writers, timeout);
    foreach (var trace in traces.OfType<DiagnosticsTools.CpuTrace>())
    {
        await trace.DisposeAsync();
        Console.WriteLine($"top frames of {Path.GetFileName(trace.File)}: {TraceSummary.TopManagedFrames(trace.File, 40)}");
    }

    await PhaseDoneAsync("traced-sustained");
}

// Lag at half the raw rate: offered open loop for BENCH_LAG_SECONDS, each job through its three transitions. Its jobs
// belong to users of their own, as many entries each as the raw loop's documents: half the raw rate is then half of what
// the database does for documents of that size, as the earlier phases' users are fuller by now.
var offered = raw / 2;
var lagJobCount = Math.Max(1, (int)Math.Ceiling(offered * lagSeconds / 3));
var lagOwners = Enumerable.Range(0, (int)Math.Ceiling(lagJobCount / (double)entriesPerUser)).Select(_ => Guid.NewGuid().ToString()).ToList();
foreach (var owner in lagOwners)
{
    await users.CreateUserAsync(owner);
}

var lagJobs = await pipeline.CreateJobsAsync("lag", lagJobCount, lagOwners, timeout);
var (achieved, lags, missing) = await pipeline.OpenLoopLagAsync(lagJobs, offered, timeout);
lags.Sort();
double P(double q) => lags.Count == 0 ? double.NaN : lags[Math.Min(lags.Count - 1, (int)Math.Ceiling(q * lags.Count) - 1)];
results["lag_ms"] = new JsonObject
{
    ["target_per_s"] = Math.Round(offered, 1),
    ["offered_per_s"] = Math.Round(achieved, 1),
    ["p50"] = Math.Round(P(0.50), 1),
    ["p95"] = Math.Round(P(0.95), 1),
    ["p99"] = Math.Round(P(0.99), 1),
    ["transitions"] = lags.Count,
    ["users"] = lagOwners.Count,
    ["entries_per_user"] = entriesPerUser,
    ["unmeasured"] = missing,
};
Report("lag_p99_ms_at_half_raw", lags.Count == 0 ? null : Math.Round(P(0.99), 1), $"lag at half the raw rate ({offered:F0}/s; {achieved:F0}/s achieved, {lags.Count} transitions of {lagJobCount} jobs of {lagOwners.Count} users): p50 {P(0.5),7:F1} ms  p95 {P(0.95),7:F1} ms  p99 {P(0.99),7:F1} ms");
await PhaseDoneAsync("lag");

// BENCH_SCALE_JOBS=0 leaves out the scale and catch-up phases (a quick run of the rates and the lag).
results["scale_jobs"] = scaleJobs;
if (scaleJobs > 0)
{
    // Scale: many more jobs tracked, then idle grains deactivated; memory of silos + watch host per job added, from a
    // baseline taken now, after the first phases' traffic. Ten jobs per user, as in the target (100,000 jobs of 10,000 users).
    await memory.WarmBaselineAsync();
    NextPhaseFromNow();
    var scaleOwners = Enumerable.Range(0, Math.Max(1, scaleJobs / 10)).Select(_ => Guid.NewGuid().ToString()).ToList();
    await Parallel.ForEachAsync(scaleOwners, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (owner, ct) => await users.CreateUserAsync(owner, ct));
    var scaleWatch = System.Diagnostics.Stopwatch.StartNew();
    var scale = await pipeline.CreateJobsAsync("scale", scaleJobs, scaleOwners, TimeSpan.FromMinutes(120));
    Console.WriteLine($"  {scaleJobs} jobs of {scaleOwners.Count} users created and given their entries in {scaleWatch.Elapsed.TotalSeconds:F0} s");
    var tracked = sustainedJobs + warmUp.Count + lagJobs.Count + scaleJobs + (profileCpu ? sustainedJobs : 0);
    var growth = await memory.GrowthAsync(scaleJobs, tracked);
    var sinceStart = growth["since_start"]!;
    Report("resident_bytes_per_job", growth["resident_bytes_per_job"]!.DeepClone(), $"resident growth per job added ({scaleJobs} jobs after the first traffic, idle grains deactivated, full collections): {growth["resident_bytes_per_job"]} bytes ({sinceStart["resident_bytes_per_job"]} per job of all {tracked} since start)");
    Report("heap_bytes_per_job", growth["heap_bytes_per_job"]!.DeepClone(), $"managed heap growth per job added:                        {growth["heap_bytes_per_job"]} bytes ({sinceStart["heap_bytes_per_job"]} per job since start)");
    results["memory"] = growth;
    Console.WriteLine($"  memory: {growth.ToJsonString()}");
    await PhaseDoneAsync("scale");

    // Catch-up: the watch host stops, every scale job changes, a new watch host starts; time until every entry shows it.
    var executingBefore = 0.0;
    await system.RestartWatchHostAsync(async () =>
    {
        await Parallel.ForEachAsync(scale, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (job, _) => await pipeline.SetStateAsync(job.Name, "executing"));
        executingBefore = await pipeline.PersistedAsync("Executing");
    });
    var catchUp = System.Diagnostics.Stopwatch.StartNew();
    var behind = await pipeline.CountBehindAfterAsync(scale.Select(j => j.Uid), "Executing", catchUpLimit, executingBefore);
    var caughtUp = scaleJobs - behind;
    var jobsPerSecond = caughtUp / catchUp.Elapsed.TotalSeconds;
    // Not finished in the bench's time: the count that did converge, and the rate it went at.
    Console.WriteLine(behind == 0
        ? $"catch-up of {scaleJobs} jobs changed while the watch host was down: {catchUp.Elapsed.TotalSeconds,8:F1} s ({jobsPerSecond:F1} jobs/s)"
        : $"catch-up of {scaleJobs} jobs changed while the watch host was down: NOT finished in {catchUpLimit.TotalMinutes:F0} min; {caughtUp} converged ({jobsPerSecond:F1} jobs/s)");
    results["catchup_s"] = behind == 0 ? Math.Round(catchUp.Elapsed.TotalSeconds, 1) : null;
    results["catchup_jobs"] = scaleJobs;
    results["catchup_converged"] = caughtUp;
    results["catchup_jobs_per_s"] = Math.Round(jobsPerSecond, 1);
    Report("catchup_ratio", Math.Round(jobsPerSecond / raw, 3), $"catch-up ratio = jobs/s / raw rate:                      {jobsPerSecond / raw,8:F3}");
    var stale = await PhaseDoneAsync("catch-up");
    Report("db_commands_per_stale_job", Math.Round(stale.Commands / scaleJobs, 2), $"database commands per stale job:                         {stale.Commands / scaleJobs,8:F2}");
}

// Where the time goes, from the processes' own meters over the whole run.
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
var output = Path.Combine(TestAssets.RepoRoot, "bench", "results.json");
await File.WriteAllTextAsync(output, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
SummaryTable.Print(results);
Console.WriteLine($"written to {output}");

static double Setting(string name, double fallback) =>
    double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
