namespace AgentJobSync.Silo.Tests;

/// <summary>Every test class of this project shares one <see cref="SiloFixture"/> and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "silo processes";
}
