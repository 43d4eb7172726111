using AgentJobSync.Grains.Domain;
using CsCheck;

namespace AgentJobSync.Grains.Tests;

public sealed class JobStatesTests
{
    [Theory]
    [InlineData(null, JobState.New)]
    [InlineData("", JobState.New)]
    [InlineData("New", JobState.New)]
    [InlineData("inactive", JobState.Pending)]
    [InlineData("Pending", JobState.Pending)]
    [InlineData("executing", JobState.Executing)]
    [InlineData("running", JobState.Executing)]
    [InlineData("completed", JobState.Complete)]
    [InlineData("Complete", JobState.Complete)]
    [InlineData("succeeded", JobState.Complete)]
    [InlineData("error", JobState.Error)]
    [InlineData("failed", JobState.Error)]
    [InlineData(" executing ", JobState.Executing)]
    public void Every_spelling_maps_to_its_state(string? raw, JobState expected) => Assert.Equal(expected, JobStates.Parse(raw));

    [Theory]
    [InlineData("done")]
    [InlineData("exec")]
    [InlineData("completed!")]
    public void Unknown_spellings_are_not_guessed(string raw) => Assert.Null(JobStates.Parse(raw));

    [Fact]
    public void Case_never_matters()
    {
        string[] spellings = ["new", "inactive", "pending", "executing", "running", "completed", "complete", "succeeded", "error", "failed"];
        Gen.Select(Gen.Int[0, spellings.Length - 1].Select(i => spellings[i]), Gen.Bool.Array[12]).Sample((spelling, upper) =>
        {
            var mixed = new string([.. spelling.Select((c, i) => upper[i % upper.Length] ? char.ToUpperInvariant(c) : c)]);
            return JobStates.Parse(mixed) == JobStates.Parse(spelling);
        });
    }

    [Fact]
    public void Written_names_are_the_capitalized_documented_ones() =>
        Assert.Equal(["New", "Pending", "Executing", "Complete", "Error"], Enum.GetValues<JobState>().Select(JobStates.Name));
}
