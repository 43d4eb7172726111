using AgentJobSync.WatchHost.Events;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

public sealed class EventGateTests
{
    private static readonly JobEvent InvalidOwner = new(JobEvent.Warning, "InvalidOwner", "spec.user is not a UUID");
    private readonly ManualTimeProvider time = new();

    [Fact]
    public void The_same_job_and_reason_is_one_event_whose_series_count_grows()
    {
        var gate = new EventGate(new EventOptions { PerJobBurst = 10 }, time);
        var first = gate.Decide("uid-1", "job-1", InvalidOwner);
        var second = gate.Decide("uid-1", "job-1", InvalidOwner);
        var third = gate.Decide("uid-1", "job-1", InvalidOwner);

        Assert.Equal(EventAction.Create, first.Action);
        Assert.StartsWith("job-1.", first.Name, StringComparison.Ordinal);
        Assert.Equal((EventAction.UpdateSeries, first.Name, 2), (second.Action, second.Name, second.Count));
        Assert.Equal((EventAction.UpdateSeries, first.Name, 3), (third.Action, third.Name, third.Count));
    }

    [Fact]
    public void Another_reason_or_another_job_or_an_expired_window_is_a_new_event()
    {
        var gate = new EventGate(new EventOptions { DedupWindow = TimeSpan.FromMinutes(10) }, time);
        var first = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.Create, gate.Decide("uid-1", "job-1", new JobEvent(JobEvent.Normal, "Synced", "ok")).Action);
        Assert.Equal(EventAction.Create, gate.Decide("uid-2", "job-2", InvalidOwner).Action);
        time.Advance(TimeSpan.FromMinutes(10));
        var later = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.Create, later.Action);
        Assert.NotEqual(first.Name, later.Name);
    }

    [Fact]
    public void A_job_over_its_burst_is_rate_limited_until_a_token_returns()
    {
        var gate = new EventGate(new EventOptions { PerJobBurst = 2, PerJobRefill = TimeSpan.FromMinutes(1) }, time);
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-1", "job-1", InvalidOwner).Action);
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-1", "job-1", new JobEvent(JobEvent.Normal, "Synced", "ok")).Action);
        Assert.Equal(EventAction.RateLimited, gate.Decide("uid-1", "job-1", InvalidOwner).Action);
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-2", "job-2", InvalidOwner).Action); // other jobs unaffected

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(EventAction.RateLimited, gate.Decide("uid-1", "job-1", InvalidOwner).Action);
        time.Advance(TimeSpan.FromSeconds(1));
        var allowed = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.UpdateSeries, allowed.Action);
        Assert.Equal(4, allowed.Count); // the limited repeats still count in the series
    }

    [Fact]
    public void The_global_bucket_limits_all_jobs_together()
    {
        var gate = new EventGate(new EventOptions { GlobalBurst = 3, GlobalRefill = TimeSpan.FromSeconds(1) }, time);
        var actions = Enumerable.Range(0, 5).Select(i => gate.Decide($"uid-{i}", $"job-{i}", InvalidOwner).Action).ToList();
        Assert.Equal([EventAction.Create, EventAction.Create, EventAction.Create, EventAction.RateLimited, EventAction.RateLimited], actions);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(EventAction.Create, gate.Decide("uid-9", "job-9", InvalidOwner).Action);
    }
}
