using AgentJobSync.Dashboard.Figures;

namespace AgentJobSync.Dashboard.Tests;

public sealed class SlidingWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Percentiles_are_nearest_rank_over_the_window()
    {
        var window = new SlidingWindow(TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 100; i++)
        {
            window.Record(T0.AddMilliseconds(i), i);
        }

        var snapshot = window.Snapshot(T0.AddSeconds(1));
        Assert.Equal(100, snapshot.Count);
        Assert.Equal(50, snapshot.P50);
        Assert.Equal(99, snapshot.P99);
        Assert.Equal(5050, snapshot.Sum);
    }

    [Fact]
    public void Measurements_older_than_the_window_are_forgotten()
    {
        var window = new SlidingWindow(TimeSpan.FromSeconds(10));
        window.Record(T0, 1000, count: 5);
        window.Record(T0.AddSeconds(9), 1, count: 2);

        Assert.Equal(7, window.Snapshot(T0.AddSeconds(9)).Count);
        var later = window.Snapshot(T0.AddSeconds(10));
        Assert.Equal(2, later.Count);
        Assert.Equal(1, later.P99);
        Assert.Null(window.Snapshot(T0.AddSeconds(30)).P50);
    }

    [Fact]
    public void A_reused_bucket_starts_empty()
    {
        var window = new SlidingWindow(TimeSpan.FromSeconds(2));
        window.Record(T0, 7);
        window.Record(T0.AddSeconds(2), 3); // same slot as T0, two seconds later

        var snapshot = window.Snapshot(T0.AddSeconds(2));
        Assert.Equal(1, snapshot.Count);
        Assert.Equal(3, snapshot.P50);
    }

    [Fact]
    public void Samples_stay_bounded_at_any_rate()
    {
        var window = new SlidingWindow(TimeSpan.FromSeconds(1));
        for (var i = 0; i < SlidingWindow.SamplesPerBucket * 4; i++)
        {
            window.Record(T0, 1);
        }

        var snapshot = window.Snapshot(T0);
        Assert.Equal(SlidingWindow.SamplesPerBucket * 4, snapshot.Count);
        Assert.Equal(1, snapshot.P99);
    }
}
