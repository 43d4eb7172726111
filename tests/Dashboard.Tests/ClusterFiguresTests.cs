using System.Collections.Immutable;
using AgentJobSync.Dashboard.Figures;

namespace AgentJobSync.Dashboard.Tests;

public sealed class ClusterFiguresTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_cluster_sums_counts_and_takes_the_worst_silos_percentiles()
    {
        var a = Figures("a", rate: 2, transitions: 120, dbP99: 5, lagP99: null, errors: ImmutableDictionary<string, long>.Empty.Add("UserNotFound", 2));
        var b = Figures("b", rate: 1.5, transitions: 90, dbP99: 40, lagP99: 12, errors: ImmutableDictionary<string, long>.Empty.Add("UserNotFound", 1).Add("InvalidOwner", 4));

        var cluster = ClusterFiguresReader.Combine([a, b], At);

        Assert.Equal(3.5, cluster.TransitionsPerSecond);
        Assert.Equal(210, cluster.Transitions);
        Assert.Equal(40, cluster.DatabaseP99Ms);
        Assert.Equal(12, cluster.LagP99Ms);
        Assert.Equal(7, cluster.Errors);
        Assert.Equal(3, cluster.ErrorsByReason["UserNotFound"]);
        Assert.Equal(4, cluster.ErrorsByReason["InvalidOwner"]);
    }

    [Fact]
    public void No_silo_answering_gives_empty_figures()
    {
        var cluster = ClusterFiguresReader.Combine([], At);
        Assert.Equal(0, cluster.Transitions);
        Assert.Null(cluster.DatabaseP99Ms);
        Assert.Empty(cluster.ErrorsByReason);
    }

    private static SyncFigures Figures(string silo, double rate, long transitions, double dbP99, double? lagP99, ImmutableDictionary<string, long> errors) =>
        new(silo, 60, rate, transitions, dbP99 / 2, dbP99, 10, lagP99 / 2, lagP99, 0, errors.Values.Sum(), errors, At);
}
