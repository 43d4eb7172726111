using Xunit;

namespace AgentJobSync.BadInput.Tests;

/// <summary>Every bad input of <see cref="Cases"/>, one test each, on the shared environment.</summary>
[Collection(BadInputCollection.Name)]
public sealed class BadInputTests(BadInputFixture fixture)
{
    public static TheoryData<string> Names() => [.. Cases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public Task Bad_input_is_reported_and_contained(string name) =>
        new CaseRunner(fixture).RunAsync(Cases.All.Single(c => c.Name == name));

    [Fact]
    public void There_are_at_least_25_cases() => Assert.True(Cases.All.Count >= 25, $"{Cases.All.Count} cases");
}
