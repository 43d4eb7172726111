using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentJobSync.Bench;
using AgentJobSync.TestHarness;

// `make bench`: every figure in one run on this machine, printed as a table and written to bench/results.json.
var seconds = double.Parse(Environment.GetEnvironmentVariable("BENCH_SECONDS") ?? "10", CultureInfo.InvariantCulture);
var writers = int.Parse(Environment.GetEnvironmentVariable("BENCH_WRITERS") ?? "8", CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(seconds);

await using var env = await TestEnvironment.StartAsync();
var ns = await env.Kube.CreateNamespaceAsync("bench");
var results = new JsonObject { ["machine"] = $"{Environment.ProcessorCount} cores", ["writers"] = writers, ["seconds_per_measurement"] = seconds };

var database = await RawRates.DatabaseUpdatesPerSecondAsync(env.Mongo.Client, writers, duration);
results["raw_db_updates_per_s"] = Math.Round(database, 1);
Console.WriteLine($"raw database update rate ({writers} writers, same proxy):   {database,8:F1} /s");

var apiServer = await RawRates.StatusUpdatesPerSecondAsync(env.Kube.Client, ns, writers, duration);
results["raw_api_status_updates_per_s"] = Math.Round(apiServer, 1);
Console.WriteLine($"raw API server status-update rate ({writers} writers):       {apiServer,8:F1} /s");

var output = Path.Combine(TestAssets.RepoRoot, "bench", "results.json");
await File.WriteAllTextAsync(output, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"written to {output}");
