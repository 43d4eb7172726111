using AgentJobSync.TestHarness;
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
        using var gate = new EventGate(new EventOptions { PerJobBurst = 10 }, time);
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
        using var gate = new EventGate(new EventOptions { DedupWindow = TimeSpan.FromMinutes(10) }, time);
        var first = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.Create, gate.Decide("uid-1", "job-1", new JobEvent(JobEvent.Normal, "Synced", "ok")).Action);
        Assert.Equal(EventAction.Create, gate.Decide("uid-2", "job-2", InvalidOwner).Action);
        time.Advance(TimeSpan.FromMinutes(10));
        var later = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.Create, later.Action);
        Assert.NotEqual(first.Name, later.Name);
    }

    [Fact]
    public void A_job_over_its_burst_is_rate_limited_and_other_jobs_are_not()
    {
        using var gate = new EventGate(new EventOptions { PerJobBurst = 2, PerJobRefill = TimeSpan.FromHours(1) }, time);
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-1", "job-1", InvalidOwner).Action);
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-1", "job-1", new JobEvent(JobEvent.Normal, "Synced", "ok")).Action);
        var limited = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.RateLimited, limited.Action);
        Assert.Equal(2, limited.Count); // the limited repeat still counts in the series
        Assert.NotEqual(EventAction.RateLimited, gate.Decide("uid-2", "job-2", InvalidOwner).Action);
    }

    [Fact]
    public async Task A_rate_limited_job_writes_again_once_its_bucket_refilled()
    {
        using var gate = new EventGate(new EventOptions { PerJobBurst = 1, PerJobRefill = TimeSpan.FromMilliseconds(20) }, time);
        Assert.Equal(EventAction.Create, gate.Decide("uid-1", "job-1", InvalidOwner).Action);
        await Eventually.UntilAsync(
            () => gate.Decide("uid-1", "job-1", InvalidOwner).Action == EventAction.UpdateSeries, TimeSpan.FromSeconds(10), "a token returned");
    }

    [Fact]
    public void The_global_bucket_limits_all_jobs_together()
    {
        using var gate = new EventGate(new EventOptions { GlobalBurst = 3, GlobalRefill = TimeSpan.FromHours(1) }, time);
        var actions = Enumerable.Range(0, 5).Select(i => gate.Decide($"uid-{i}", $"job-{i}", InvalidOwner).Action).ToList();
        Assert.Equal([EventAction.Create, EventAction.Create, EventAction.Create, EventAction.RateLimited, EventAction.RateLimited], actions);
    }

    [Fact]
    public void A_forgotten_series_starts_again_with_a_new_event()
    {
        using var gate = new EventGate(new EventOptions(), time);
        var first = gate.Decide("uid-1", "job-1", InvalidOwner);
        gate.Forget("uid-1", InvalidOwner, first.Name);
        time.Advance(TimeSpan.FromSeconds(1));
        var again = gate.Decide("uid-1", "job-1", InvalidOwner);
        Assert.Equal(EventAction.Create, again.Action);
        Assert.NotEqual(first.Name, again.Name);
    }
}
