using AgentJobSync.Grains;
using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Informer;
using k8s;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The routing pipeline against the real API server: what reaches the router, recovery, and Events.</summary>
[Collection(WatchCollection.Name)]
public sealed class WatchIntegrationTests(ControlPlaneFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ControlPlane Kube => fixture.Kube;

    [Fact]
    public async Task Created_updated_and_deleted_jobs_are_routed_and_the_delete_carries_the_final_object()
    {
        var ns = await Kube.CreateNamespaceAsync("route");
        await using var pipeline = new RunningPipeline(Kube, ns, new RecordingRouter());
        var created = await KubeJobs.CreateAsync(Kube.Client, ns, "job-a");
        var uid = KubeJobs.Uid(created);
        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("job-a").Any(c => c.Uid == uid && !c.Deleted), Timeout, "creation routed");

        await KubeJobs.SetStateAsync(Kube.Client, ns, "job-a", "executing");
        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("job-a").Any(c => c.RawState == "executing"), Timeout, "update routed");

        await KubeJobs.DeleteAsync(Kube.Client, ns, "job-a");
        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("job-a").Any(c => c.Deleted), Timeout, "deletion routed");
        var final = pipeline.Router.CallsFor("job-a").Last(c => c.Deleted);
        Assert.Equal(uid, final.Uid);
        Assert.Equal("executing", final.RawState); // the final object, not an empty key
        Assert.Equal("6f1c2b9e-0000-4000-8000-000000000001", final.Owner);
        Assert.Equal("Job job-a", final.JobName);
        Assert.Equal(0, pipeline.Pipeline.Informer.Tombstones.Count);
    }

    [Fact]
    public async Task A_new_term_routes_only_the_jobs_that_changed_since_the_grains_settled_them()
    {
        var ns = await Kube.CreateNamespaceAsync("settled");
        var settled = await KubeJobs.CreateAsync(Kube.Client, ns, "settled");
        var moved = await KubeJobs.CreateAsync(Kube.Client, ns, "moved");
        await KubeJobs.SetStateAsync(Kube.Client, ns, "moved", "executing"); // changed after the grain settled it
        await KubeJobs.CreateAsync(Kube.Client, ns, "fresh"); // never seen by a grain
        var directory = new FakeDirectory(
        [
            FakeDirectory.Summary(KubeJobs.Uid(settled), ns, "settled", KubeJobs.ResourceVersion(settled)),
            FakeDirectory.Summary(KubeJobs.Uid(moved), ns, "moved", KubeJobs.ResourceVersion(moved)),
        ]);

        await using var pipeline = new RunningPipeline(Kube, ns, new RecordingRouter(), directory: directory);

        await Eventually.UntilAsync(
            () => pipeline.Router.CallsFor("moved").Count > 0 && pipeline.Router.CallsFor("fresh").Count > 0
                && pipeline.Meters.Sum("agentjob_reconciles_skipped", "in_sync") == 1,
            Timeout,
            "the changed and the new job routed, the settled one skipped");
        Assert.Empty(pipeline.Router.CallsFor("settled"));
        Assert.Equal("executing", pipeline.Router.CallsFor("moved").Single().RawState);
    }

    [Fact]
    public async Task After_an_api_server_restart_the_watch_resumes_and_later_changes_are_routed()
    {
        var ns = await Kube.CreateNamespaceAsync("restart");
        await using var pipeline = new RunningPipeline(Kube, ns, new RecordingRouter());
        await KubeJobs.CreateAsync(Kube.Client, ns, "before");
        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("before").Count > 0, Timeout, "routed before the restart");

        await Kube.RestartApiServerAsync();
        await KubeJobs.SetStateAsync(Kube.Client, ns, "before", "completed");
        await KubeJobs.CreateAsync(Kube.Client, ns, "after");

        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("after").Count > 0, Timeout, "a job created after the restart routed");
        await Eventually.UntilAsync(() => pipeline.Router.CallsFor("before").Any(c => c.RawState == "completed"), Timeout, "a change after the restart routed");
        Assert.True(pipeline.Meters.Sum("agentjob_watch_restarts", "error") + pipeline.Meters.Sum("agentjob_watch_restarts", "expired") > 0, "the broken watch was restarted");
    }

    [Fact]
    public async Task Jobs_deleted_while_the_informer_was_stopped_are_routed_as_deletions_when_it_resumes()
    {
        var ns = await Kube.CreateNamespaceAsync("downtime");
        InformerSnapshot snapshot;
        await using (var first = new RunningPipeline(Kube, ns, new RecordingRouter()))
        {
            await KubeJobs.CreateAsync(Kube.Client, ns, "stays");
            await KubeJobs.CreateAsync(Kube.Client, ns, "goes");
            await KubeJobs.SetStateAsync(Kube.Client, ns, "goes", "executing");
            await Eventually.UntilAsync(() => first.Router.CallsFor("goes").Any(c => c.RawState == "executing"), Timeout, "both known");
            snapshot = await first.StopAsync();
        }

        await KubeJobs.DeleteAsync(Kube.Client, ns, "goes");
        await using var second = new RunningPipeline(Kube, ns, new RecordingRouter(), snapshot);
        await Eventually.UntilAsync(() => second.Router.CallsFor("goes").Any(c => c.Deleted), Timeout, "the deletion during downtime routed");
        Assert.Equal("executing", second.Router.CallsFor("goes").Single(c => c.Deleted).RawState);
        Assert.DoesNotContain(second.Router.CallsFor("stays"), c => c.Deleted);
    }

    /// <summary>
    /// A watch from a resourceVersion older than the API server keeps (here "1", before anything of this test run; the
    /// watch cache answers with an ERROR event of code 410 "too old resource version") must relist, and the relist must
    /// find by comparison with the known set the job that vanished meanwhile. Compaction itself is not forced: the
    /// watch cache's window already rejects the version, which is the same 410 a compacted etcd would give.
    /// </summary>
    [Fact]
    public async Task A_too_old_resource_version_forces_a_relist_that_reports_vanished_jobs()
    {
        var ns = await Kube.CreateNamespaceAsync("expired");
        InformerSnapshot snapshot;
        await using (var first = new RunningPipeline(Kube, ns, new RecordingRouter()))
        {
            await KubeJobs.CreateAsync(Kube.Client, ns, "stays");
            await KubeJobs.CreateAsync(Kube.Client, ns, "goes");
            await Eventually.UntilAsync(() => first.Router.CallsFor("goes").Count > 0 && first.Router.CallsFor("stays").Count > 0, Timeout, "both known");
            snapshot = await first.StopAsync();
        }

        await KubeJobs.DeleteAsync(Kube.Client, ns, "goes");
        await using var second = new RunningPipeline(Kube, ns, new RecordingRouter(), snapshot with { ResourceVersion = "1" });
        await Eventually.UntilAsync(() => second.Meters.Sum("agentjob_relists", "expired") == 1, Timeout, "relisted because the version expired");
        await Eventually.UntilAsync(() => second.Router.CallsFor("goes").Any(c => c.Deleted), Timeout, "the vanished job routed as deleted");
        Assert.Equal(1, second.Meters.Sum("agentjob_watch_events", "relist_deleted"));
        Assert.Contains(second.Router.CallsFor("stays"), c => !c.Deleted);
    }

    [Fact]
    public async Task A_permanent_outcome_is_one_warning_event_a_later_success_one_normal_event_and_the_job_is_never_written()
    {
        var ns = await Kube.CreateNamespaceAsync("events");
        var router = new RecordingRouter();
        router.Answer("bad-owner", SyncReason.InvalidOwner);
        await using var pipeline = new RunningPipeline(Kube, ns, router, resync: TimeSpan.FromMilliseconds(200));
        var created = await KubeJobs.CreateAsync(Kube.Client, ns, "bad-owner", owner: "not-a-uuid");
        var uid = KubeJobs.Uid(created);

        await Eventually.UntilAsync(async ct => (await EventsAbout(ns, uid, ct)).Any(e => e.Reason == "InvalidOwner"), Timeout, "a Warning event");
        // Several resyncs later the parked job has been neither routed again nor reported again.
        await Eventually.UntilAsync(() => pipeline.Meters.Sum("agentjob_watch_events", "resync") >= 5, Timeout, "resyncs happened");
        Assert.Single(router.CallsFor("bad-owner"));
        var warning = Assert.Single(await EventsAbout(ns, uid, default));
        Assert.Equal(("Warning", "InvalidOwner", "Sync"), (warning.Type, warning.Reason, warning.Action));
        Assert.Equal(KubeJobs.ResourceVersion(created), warning.Regarding.ResourceVersion);
        Assert.Equal(("AgentJob", "bad-owner"), (warning.Regarding.Kind, warning.Regarding.Name));

        router.Answer("bad-owner", SyncReason.Synced);
        var moved = await KubeJobs.SetStateAsync(Kube.Client, ns, "bad-owner", "executing");
        await Eventually.UntilAsync(async ct => (await EventsAbout(ns, uid, ct)).Any(e => e.Type == "Normal"), Timeout, "a Normal event");
        var events = await EventsAbout(ns, uid, default);
        Assert.Equal(2, events.Count);
        Assert.Single(events, e => e.Type == "Warning");
        Assert.Single(events, e => e is { Type: "Normal", Reason: "Synced" });

        // Hands off the AgentJob: after routing and two Events it is exactly as the platform last wrote it.
        var now = await KubeJobs.GetAsync(Kube.Client, ns, "bad-owner");
        Assert.Equal(KubeJobs.ResourceVersion(moved), KubeJobs.ResourceVersion(now));
        Assert.Equal(KubeJobs.Generation(created), KubeJobs.Generation(now));
        Assert.Equal(KubeJobs.ManagedFields(moved), KubeJobs.ManagedFields(now));
        Assert.Contains(router.CallsFor("bad-owner"), c => c.ResourceVersion == KubeJobs.ResourceVersion(moved));
    }

    private async Task<List<k8s.Models.Eventsv1Event>> EventsAbout(string ns, string uid, CancellationToken ct)
    {
        var list = await Kube.Client.EventsV1.ListNamespacedEventAsync(ns, cancellationToken: ct);
        return [.. list.Items.Where(e => e.Regarding?.Uid == uid)];
    }
}
