namespace AgentJobSync.Manifests.Tests;

/// <summary>The tests of this project share one control plane and database.</summary>
[CollectionDefinition(Name)]
public sealed class ManifestsCollection : ICollectionFixture<ManifestsFixture>
{
    public const string Name = "manifests";
}
