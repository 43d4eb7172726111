using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>Every test class of this project shares one <see cref="SharedEnvironment"/> and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class HarnessCollection : ICollectionFixture<SharedEnvironment>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "harness";
}
