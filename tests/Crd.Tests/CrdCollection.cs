using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Crd.Tests;

/// <summary>Every test class of this project shares one <see cref="ControlPlaneFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class CrdCollection : ICollectionFixture<ControlPlaneFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "crd";
}
