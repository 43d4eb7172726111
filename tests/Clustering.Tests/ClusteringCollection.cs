using AgentJobSync.TestHarness;

namespace AgentJobSync.Clustering.Tests;

/// <summary>Every test class of this project shares one <see cref="ControlPlaneFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClusteringCollection : ICollectionFixture<ControlPlaneFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "clustering";
}
