using System.Diagnostics.Metrics;
using AgentJobSync.Dashboard.Figures;
using AgentJobSync.Grains;
using AgentJobSync.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>The aggregator hears the same instruments <c>/metrics</c> exports, and only its own silo's.</summary>
public sealed class SyncMetricsAggregatorTests
{
    [Fact]
    public void Figures_come_from_the_silos_own_sync_metrics()
    {
        using var silo = MeteredServices();
        using var other = MeteredServices();
        using var aggregator = new SyncMetricsAggregator(silo.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        var metrics = silo.GetRequiredService<SyncMetrics>();
        var otherMetrics = other.GetRequiredService<SyncMetrics>();

        metrics.TransitionPersisted(JobState.Pending, TimeSpan.FromMilliseconds(20));
        metrics.TransitionPersisted(JobState.Complete, TimeSpan.FromMilliseconds(40));
        metrics.DatabaseCommand("update", TimeSpan.FromMilliseconds(3), succeeded: true);
        metrics.Retried("DatabaseUnavailable");
        metrics.CallHandled(new SyncOutcome(SyncReason.UserNotFound, null, false, false, 0, "no user"));
        metrics.CallHandled(new SyncOutcome(SyncReason.Synced, JobState.Pending, true, false, 1, null));
        // Another silo in the same process (as in the browser test) must not count here.
        otherMetrics.TransitionPersisted(JobState.Pending, TimeSpan.FromSeconds(9));
        otherMetrics.CallHandled(new SyncOutcome(SyncReason.InvalidOwner, null, false, false, 0, "bad owner"));

        var figures = aggregator.Snapshot("silo-1");
        Assert.Equal("silo-1", figures.Silo);
        Assert.Equal(2, figures.Transitions);
        Assert.Equal(20, figures.LagP50Ms!.Value, precision: 6);
        Assert.Equal(40, figures.LagP99Ms!.Value, precision: 6);
        Assert.Equal(3, figures.DatabaseP50Ms!.Value, precision: 6);
        Assert.Equal(1, figures.DatabaseCommands);
        Assert.Equal(1, figures.Retries);
        Assert.Equal(1, figures.Errors);
        Assert.Equal(1, Assert.Single(figures.ErrorsByReason, e => e.Key == "UserNotFound").Value);
        Assert.True(figures.TransitionsPerSecond > 0);
    }

    private static ServiceProvider MeteredServices() =>
        new ServiceCollection().AddMetrics().AddSingleton<SyncMetrics>().BuildServiceProvider();
}
