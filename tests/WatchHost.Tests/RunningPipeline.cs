using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Hosting;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The production routing pipeline on the real API server, with a recording router in place of the grains.</summary>
internal sealed class RunningPipeline : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task run;

    public RunningPipeline(ControlPlane kube, string ns, RecordingRouter router, InformerSnapshot? seed = null, TimeSpan? resync = null, IJobDirectory? directory = null)
    {
        Router = router;
        Metrics = new WatchHostMetrics();
        Meters = new MeterRecorder(Metrics.Meter);
        var options = new RoutingOptions
        {
            Workers = 4,
            Informer = new InformerOptions
            {
                Namespaces = [ns],
                ReconnectBase = TimeSpan.FromMilliseconds(100),
                ReconnectCap = TimeSpan.FromSeconds(1),
                ResyncPeriod = resync ?? TimeSpan.FromMinutes(10),
            },
        };
        var events = new KubernetesEventRecorder(kube.Client, options.Events, Metrics, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        Pipeline = new RoutingPipeline(
            new KubernetesAgentJobSource(kube.Client, options.Informer), router, events, options, Metrics, TimeProvider.System,
            NullLoggerFactory.Instance, seed, directory);
        run = Pipeline.RunAsync(stop.Token);
    }

    public RecordingRouter Router { get; }

    public WatchHostMetrics Metrics { get; }

    public MeterRecorder Meters { get; }

    public RoutingPipeline Pipeline { get; }

    /// <summary>Stops the pipeline and returns what its informer knew.</summary>
    public async Task<InformerSnapshot> StopAsync()
    {
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        return Pipeline.Informer.Snapshot();
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        Pipeline.Dispose();
        Meters.Dispose();
        Metrics.Dispose();
        stop.Dispose();
    }
}
