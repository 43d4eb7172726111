using System.Globalization;
using AgentJobSync.Chaos;

// make chaos: RUNS seeded runs of SECONDS each (run k uses SEED + k; replay one with RUNS=1 SEED=<its seed>). The last
// line is "chaos: <runs> runs, <faults> faults, <replays> replays, lost N, duplicated N, regressed N, clobbered N" (faults
// are injected faults only); exit 0 only when every count is 0, the job operator's writes never conflicted and the
// membership checks held.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var options = ChaosOptions.Parse(args);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos: {options.Runs} runs of {options.Seconds}s from seed {options.Seed}, {options.Silos} silos"));
var results = new List<RunResult>();
var failedRuns = 0;
for (var run = 0; run < options.Runs; run++)
{
    var seed = options.Seed + run;
    try
    {
        results.Add(await new ChaosRun(options, seed).RunAsync(stop.Token));
    }
#pragma warning disable CA1031 // A run that could not complete (a component failed to start) fails the whole command, with its cause.
    catch (Exception e)
#pragma warning restore CA1031
    {
        failedRuns++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos seed {seed}: run failed: {e}"));
    }
}

var conflicts = results.Sum(r => r.OperatorConflicts.Count);
var membership = results.Sum(r => r.MembershipFailures.Count);
if (conflicts > 0 || membership > 0 || failedRuns > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"chaos: FAILED: {failedRuns} runs did not complete, {conflicts} job-operator conflicts or writes of ours on AgentJobs, {membership} membership failures"));
}

var byKind = results.SelectMany(r => r.Faults).GroupBy(f => f.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
Console.WriteLine("chaos: faults by kind: " + string.Join(", ", byKind.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(f => f.Value)}"))));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"chaos: membership: {results.Sum(r => r.DeclaredDead)} declared dead ({results.Sum(r => r.DeclaredDeadUnprovoked)} not taken down by a fault), {results.Sum(r => r.FaultRestarts)} silo restarts after faults, {results.Sum(r => r.UnplannedRestarts)} restarts after exiting on their own, {results.Sum(r => r.StartCrashes)} crashes at start"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"chaos: {options.Runs} runs, {results.Sum(r => r.FaultCount)} faults, {results.Sum(r => r.Replays)} replays, lost {results.Sum(r => r.Lost.Count)}, duplicated {results.Sum(r => r.Duplicated.Count)}, regressed {results.Sum(r => r.Regressed.Count)}, clobbered {results.Sum(r => r.Clobbered.Count)}"));
return results.All(r => r.Passed) && failedRuns == 0 ? 0 : 1;
