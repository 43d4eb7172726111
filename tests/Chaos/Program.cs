using System.Globalization;
using AgentJobSync.Chaos;

// make chaos: RUNS seeded runs of SECONDS each (run k uses SEED + k; replay one with RUNS=1 SEED=<its seed>). The last
// line is "chaos: <runs> runs, <faults> faults, lost N, duplicated N, regressed N, clobbered N"; exit 0 only when every
// count is 0 and the job operator's writes never conflicted.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var options = ChaosOptions.Parse(args);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos: {options.Runs} runs of {options.Seconds}s from seed {options.Seed}"));
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
if (conflicts > 0 || failedRuns > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos: FAILED: {failedRuns} runs did not complete, {conflicts} job-operator conflicts or writes of ours on AgentJobs"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"chaos: {options.Runs} runs, {results.Sum(r => r.FaultCount)} faults, lost {results.Sum(r => r.Lost.Count)}, duplicated {results.Sum(r => r.Duplicated.Count)}, regressed {results.Sum(r => r.Regressed.Count)}, clobbered {results.Sum(r => r.Clobbered.Count)}"));
return results.All(r => r.Passed) && failedRuns == 0 ? 0 : 1;
