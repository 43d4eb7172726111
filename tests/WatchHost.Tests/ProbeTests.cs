using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Each rule of the watch host's <c>/readyz</c> and <c>/healthz</c>, made to fail on a driven clock.</summary>
public sealed class ProbeTests
{
    private static readonly LeaseSettings Lease = new("lease", "ns", "me", TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
    private static readonly WatchSettings Bounds = new(null, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3));

    private readonly ManualTimeProvider time = new();
    private readonly RoutingStatus status = new();
    private readonly ClusterConnection connection = new();
    private readonly LoopProgress watch;
    private readonly LoopProgress workers;
    private readonly LoopProgress writer;
    private bool synced = true;
    private int queued;
    private int backlog;

    public ProbeTests()
    {
        connection.Confirmed();
        watch = new LoopProgress("list/watch of ns", time);
        workers = new LoopProgress("workers", time);
        writer = new LoopProgress("Event writer", time);
        status.Leading(new PipelineProgress(() => synced, [watch], workers, () => queued, writer, () => backlog));
    }

    [Fact]
    public async Task A_leader_whose_informer_made_progress_within_the_bound_is_ready()
    {
        time.Advance(TimeSpan.FromMinutes(9));
        watch.Advanced();
        time.Advance(TimeSpan.FromMinutes(9));
        var ready = await ReadinessAsync();
        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.Contains("leader: informer synced", ready.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_leader_without_list_or_watch_progress_within_the_bound_is_not_ready_and_says_why()
    {
        watch.Advanced();
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        watch.Failed("HTTP 403 Forbidden");
        var ready = await ReadinessAsync();
        Assert.Equal(HealthStatus.Unhealthy, ready.Status);
        Assert.Contains("no list or watch progress within", ready.Description, StringComparison.Ordinal);
        Assert.Contains("HTTP 403 Forbidden", ready.Description, StringComparison.Ordinal);

        watch.Advanced();
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync()).Status);
    }

    [Fact]
    public async Task A_leader_that_has_not_listed_yet_is_not_ready()
    {
        synced = false;
        var ready = await ReadinessAsync();
        Assert.Equal(HealthStatus.Unhealthy, ready.Status);
        Assert.Contains("not synced", ready.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_Orleans_cluster_nothing_is_ready()
    {
        connection.NotifyClusterConnectionLost();
        Assert.Equal(HealthStatus.Unhealthy, (await ReadinessAsync()).Status);
    }

    [Fact]
    public async Task A_standby_that_could_not_read_its_lease_within_the_lease_duration_is_not_ready()
    {
        var lease = new LeaseProgress(Lease, time);
        status.Campaigning();
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(lease)).Status);
        time.Advance(TimeSpan.FromSeconds(16));
        lease.Reads.Failed("read: HTTP 403 Forbidden");
        var ready = await ReadinessAsync(lease);
        Assert.Equal(HealthStatus.Unhealthy, ready.Status);
        Assert.Contains("HTTP 403 Forbidden", ready.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queued_work_with_no_reconcile_finished_within_the_bound_fails_liveness()
    {
        queued = 3;
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HealthStatus.Healthy, (await LivenessAsync()).Status);
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var live = await LivenessAsync();
        Assert.Equal(HealthStatus.Unhealthy, live.Status);
        Assert.Contains("3 waiting", live.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_workers_with_nothing_queued_stay_alive()
    {
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HealthStatus.Healthy, (await LivenessAsync()).Status);
    }

    [Fact]
    public async Task An_Event_backlog_with_no_write_finished_within_the_bound_fails_liveness()
    {
        backlog = 5;
        workers.Advanced();
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HealthStatus.Unhealthy, (await LivenessAsync()).Status);
        writer.Advanced();
        Assert.Equal(HealthStatus.Healthy, (await LivenessAsync()).Status);
    }

    [Fact]
    public async Task A_dead_routing_loop_fails_liveness()
    {
        status.Died(new InvalidOperationException("boom"));
        Assert.Equal(HealthStatus.Unhealthy, (await LivenessAsync()).Status);
    }

    private Task<HealthCheckResult> ReadinessAsync(LeaseProgress? lease = null) =>
        new RoutingReadinessCheck(status, connection, lease ?? new LeaseProgress(Lease, time), Lease, Bounds).CheckHealthAsync(new HealthCheckContext());

    private Task<HealthCheckResult> LivenessAsync() =>
        new RoutingLivenessCheck(status, Bounds).CheckHealthAsync(new HealthCheckContext());
}
