using System.Diagnostics;
using System.Globalization;
using AgentJobSync.Grains;
using AgentJobSync.Grains.Hosting;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.TestingHost;

// Grain figures for the AgentJob grain on a 3-silo TestCluster (in this process) on the real MongoDB-wire server:
// calls per second for state changes and for replays, inspections per second (the call path without the database),
// and managed memory per idle activation.
var jobs = Argument(args, 0, 300);
var idleActivations = Argument(args, 1, 5000);
var invariant = CultureInfo.InvariantCulture;

await using var mongo = await MongoWire.StartAsync();
var builder = new TestClusterBuilder(3);
builder.Properties["MongoUrl"] = mongo.Url;
builder.AddSiloBuilderConfigurator<BenchSilo>();
await using var cluster = builder.Build();
await cluster.DeployAsync();

var users = mongo.Client.GetDatabase("ainuUsers").GetCollection<BsonDocument>("users");
var owners = new List<string>();
for (var u = 0; u < 10; u++)
{
    var owner = Guid.NewGuid().ToString();
    await users.InsertOneAsync(new BsonDocument { { "id", owner }, { "jobs", new BsonArray() } });
    owners.Add(owner);
}

var uids = Enumerable.Range(0, jobs).Select(_ => Guid.NewGuid().ToString()).ToList();
string[] states = ["", "inactive", "executing", "completed"];
JobObservation Observe(int job, int step) => new(
    uids[job], "bench", "job-" + job, owners[job % owners.Count], states[step], [], DateTimeOffset.UtcNow, "agent", "creator", "job", false, DateTimeOffset.UtcNow, step.ToString(invariant));

// Transitions: every job through its four states, one call per state, jobs in parallel.
var changes = await TimeCallsAsync(jobs * states.Length, async i => await Grain(i % jobs).ObserveAsync(Observe(i % jobs, i / jobs)));
// Replays: the final state again; the grain decides from the entry it knows and writes nothing.
var replays = await TimeCallsAsync(jobs * 4, async i => await Grain(i % jobs).ObserveAsync(Observe(i % jobs, states.Length - 1)));
// Inspections: the grain call path alone.
var inspections = await TimeCallsAsync(jobs * 20, async i => await Grain(i % jobs).InspectAsync());

Console.WriteLine($"grain calls/s (state changes: one guarded write each):            {changes:F0}");
Console.WriteLine($"grain calls/s (replays: decided from the known entry, no write): {replays:F0}");
Console.WriteLine($"grain calls/s (InspectAsync, no database):                    {inspections:F0}");

// Idle activations: grains of jobs that were never synced, activated by one inspection each (a state read).
var management = cluster.GrainFactory.GetGrain<IManagementGrain>(0);
await management.ForceActivationCollection(TimeSpan.Zero);
var before = GC.GetTotalMemory(forceFullCollection: true);
var idle = Enumerable.Range(0, idleActivations).Select(_ => Guid.NewGuid().ToString()).ToList();
await Parallel.ForEachAsync(idle, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (uid, _) => await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync());
var after = GC.GetTotalMemory(forceFullCollection: true);
var stats = await management.GetSimpleGrainStatistics();
var active = stats.Where(s => s.GrainType.Contains("AgentJob", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
Console.WriteLine($"idle activations: {active} (asked {idleActivations}); managed memory per idle activation: {(after - before) / (double)idleActivations:F0} bytes");
await cluster.StopAllSilosAsync();

async Task<double> TimeCallsAsync(int count, Func<int, Task> call)
{
    var watch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) => await call(i));
    return count / watch.Elapsed.TotalSeconds;
}

IAgentJobGrain Grain(int job) => cluster.GrainFactory.GetGrain<IAgentJobGrain>(uids[job]);

static int Argument(string[] args, int index, int fallback) =>
    args.Length > index && int.TryParse(args[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

/// <summary>The grains on the database named by the cluster's "MongoUrl" property.</summary>
internal sealed class BenchSilo : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) =>
        siloBuilder.AddAgentJobGrains(siloBuilder.Configuration["MongoUrl"] ?? throw new InvalidOperationException("MongoUrl is not configured"));
}
