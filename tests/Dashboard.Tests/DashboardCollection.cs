namespace AgentJobSync.Dashboard.Tests;

/// <summary>The browser tests share one cluster and one browser (starting them takes most of the run).</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
