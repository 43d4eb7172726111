using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Metrics;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The Event writer on the real API server when its backlog is full.</summary>
[Collection(WatchCollection.Name)]
public sealed class EventWriterTests(ControlPlaneFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly JobEvent Unavailable = new(JobEvent.Warning, "DatabaseUnavailable", "the database did not answer");

    [Fact]
    public async Task A_report_the_full_backlog_cannot_take_is_counted_as_dropped_and_its_series_starts_with_a_new_Event()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("eventdrop");
        using var metrics = new WatchHostMetrics();
        using var meters = new MeterRecorder(metrics.Meter);
        using var recorder = new KubernetesEventRecorder(
            fixture.Kube.Client, new EventOptions { Backlog = 1 }, metrics, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        var first = TestJobs.Job("first", uid: Guid.NewGuid().ToString(), ns: ns);
        var second = TestJobs.Job("second", uid: Guid.NewGuid().ToString(), ns: ns);

        // Nothing writes yet: the first report fills the backlog, the second has no room.
        recorder.Report(first, Unavailable);
        recorder.Report(second, Unavailable);
        Assert.Equal(1, meters.Sum("agentjob_kube_events", "dropped"));

        using var stop = new CancellationTokenSource();
        var writing = recorder.RunAsync(stop.Token);
        try
        {
            await Eventually.UntilAsync(() => meters.Sum("agentjob_kube_events", "written") == 1, Timeout, "the first job's Event written");

            // The second job's series never got its Event: the next report creates one instead of patching a missing object.
            recorder.Report(second, Unavailable);
            await Eventually.UntilAsync(() => meters.Sum("agentjob_kube_events", "written") == 2, Timeout, "the second job's Event written");
            Assert.Equal(0, meters.Sum("agentjob_kube_events", "failed"));
            var events = await fixture.Kube.Client.EventsV1.ListNamespacedEventAsync(ns);
            Assert.Single(events.Items, e => e.Regarding?.Uid == second.Uid && e.Reason == "DatabaseUnavailable");
        }
        finally
        {
            await stop.CancelAsync();
            await writing;
        }
    }
}
