using System.Collections.Immutable;
using System.Globalization;
using AgentJobSync.Grains;
using AgentJobSync.Grains.Domain;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using Orleans.Serialization;

// In-process: the assembly is named AgentJobSync.Micro.Bench (Directory.Build.props), which BenchmarkDotNet's
// generated-project toolchain cannot map back to Micro.Bench.csproj.
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance)));

/// <summary>What one grain call spends outside the database: decide, merge nodes, build BSON, (de)serialize the call.</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private static readonly DateTimeOffset Origin = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private ImmutableArray<NodeObservation> _existing;
    private ImmutableArray<NodeObservation> _observed;
    private JobObservation _observation = null!;
    private BsonDocument _entry = null!;
    private Serializer<JobObservation> _serializer = null!;
    private byte[] _serialized = [];

    [Params(4, 32)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _existing = [.. Enumerable.Range(0, Nodes).Select(i => Node(i, step: 1))];
        _observed = [.. Enumerable.Range(0, Nodes).Select(i => Node(i, step: i % 2 == 0 ? 2 : 1))];
        _observation = new JobObservation(
            Guid.NewGuid().ToString(), "ea-platform", "job", Guid.NewGuid().ToString(), "executing", _observed,
            Origin, "agent", "creator", "job", false, Origin, "42");
        _entry = EntryDocument.Create(_observation, JobState.Executing, EntryNodes.ToBson(_existing, out _)!, Origin);
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        _serializer = services.GetRequiredService<Serializer<JobObservation>>();
        _serialized = _serializer.SerializeToArray(_observation);
    }

    [Benchmark]
    public JobState? ParseState() => JobStates.Parse("Executing");

    [Benchmark]
    public Transition Decide() => TransitionRules.Decide(JobState.Pending, JobState.Executing, FeatureFlags.AllOn);

    [Benchmark]
    public bool MergeNodes() => NodeMerge.Merge(_existing, _observed).Changed;

    [Benchmark]
    public int NodesFromEntry() => EntryNodes.FromEntry(_entry).Count;

    [Benchmark]
    public BsonArray? NodesToBson() => EntryNodes.ToBson(_observed, out _);

    [Benchmark]
    public BsonDocument NewEntry() => EntryDocument.Create(_observation, JobState.Executing, [], Origin);

    [Benchmark]
    public byte[] SerializeObservation() => _serializer.SerializeToArray(_observation);

    [Benchmark]
    public JobObservation DeserializeObservation() => _serializer.Deserialize(_serialized)!;

    private static NodeObservation Node(int alias, int step) => new(
        "node-" + alias.ToString(CultureInfo.InvariantCulture), "running", $"{{\"step\":{step},\"text\":\"{new string('x', 200)}\"}}",
        Origin.AddSeconds(step).ToString("O", CultureInfo.InvariantCulture));
}
