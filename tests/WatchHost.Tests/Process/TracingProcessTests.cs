using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>
/// Traces end to end: the published silo and watch host export to an OTLP receiver started by the test, and one
/// routed change of a job is one trace from the watch host's reconcile through the grain call to the database write.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class TracingProcessTests(ProcessFixture fixture)
{
    private const string WatchHostScope = "AgentJobSync.WatchHost";
    private const string GrainCallScope = "Microsoft.Orleans.Application";
    private const string DatabaseScope = "MongoDB.Driver";

    [Fact]
    public async Task One_routed_change_is_one_trace_from_the_reconcile_through_the_grain_call_to_the_database_command()
    {
        await using var receiver = new OtlpReceiver();
        var tracing = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        var scenario = await Scenario.StartAsync(fixture, "traces");
        var owners = await scenario.CreateUsersAsync(1);
        await using var traced = new LocalSiloCluster(PublishedApps.Locate(), fixture.Env.Mongo.Url, fixture.Cluster.LogDirectory + "-traces");
        await traced.StartSilosAsync(1, tracing);
        var host = await traced.StartWatchHostAsync(fixture.Env.Kube.KubeconfigPath, scenario.Namespace, scenario.Namespace, tracing);
        await Scenario.UntilLeadingAsync(host);

        var job = await scenario.Driver.CreateAsync("traced", owners[0]);
        Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
        await scenario.UntilInSyncAsync([job]);

        List<OtlpSpan>? chain = null;
        await Eventually.UntilAsync(
            _ => Task.FromResult((chain = ChainOf(receiver.Spans, job.Uid)) is not null),
            TimeSpan.FromSeconds(60), $"a trace reconcile → grain call → database command for {job.Uid}");

        var (reconcile, call, handled, command) = (chain![0], chain[1], chain[2], chain[3]);
        Assert.Equal("agentjob-sync-watchhost", reconcile.Service);
        Assert.Equal("", reconcile.ParentSpanId);
        Assert.Equal(scenario.Namespace, reconcile.Attributes["k8s.namespace.name"]);
        Assert.Equal("agentjob-sync-watchhost", call.Service);
        Assert.Equal("agentjob-sync-silo", handled.Service);
        Assert.Equal("agentjob-sync-silo", command.Service);
        Assert.Single(chain.Select(s => s.TraceId).Distinct());
    }

    // The reconcile span of the job, the watch host's grain call under it, the silo's handling of that call, and a
    // database command somewhere under the handling: in that order, or null while any link is missing.
    private static List<OtlpSpan>? ChainOf(IReadOnlyList<OtlpSpan> spans, string uid)
    {
        foreach (var reconcile in spans.Where(s => s.Scope == WatchHostScope && s.Attributes.GetValueOrDefault("agentjob.uid") == uid))
        {
            var trace = spans.Where(s => s.TraceId == reconcile.TraceId).ToList();
            foreach (var call in trace.Where(s => s.Scope == GrainCallScope && s.ParentSpanId == reconcile.SpanId))
            {
                foreach (var handled in trace.Where(s => s.Scope == GrainCallScope && s.ParentSpanId == call.SpanId))
                {
                    var command = trace.FirstOrDefault(s => s.Scope == DatabaseScope && Descends(trace, s, handled));
                    if (command is not null)
                    {
                        return [reconcile, call, handled, command];
                    }
                }
            }
        }

        return null;
    }

    private static bool Descends(List<OtlpSpan> trace, OtlpSpan span, OtlpSpan ancestor)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }

            if (current.ParentSpanId.Length == 0)
            {
                return false;
            }
        }

        return false;
    }
}
