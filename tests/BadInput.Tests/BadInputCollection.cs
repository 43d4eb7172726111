using Xunit;

namespace AgentJobSync.BadInput.Tests;

/// <summary>Every bad-input case shares one <see cref="BadInputFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<BadInputFixture>
{
    public const string Name = "bad-input";
}
