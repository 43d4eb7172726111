using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The integration tests share one <see cref="ControlPlaneFixture"/> and run one at a time (one restarts the API server).</summary>
[CollectionDefinition(Name)]
public sealed class WatchCollection : ICollectionFixture<ControlPlaneFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "watch";
}
