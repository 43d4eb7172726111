using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>A term's start learns from the job directory which jobs are settled at which version.</summary>
public sealed class SettledJobSeederTests
{
    [Fact]
    public async Task Jobs_settled_at_a_version_are_seeded_page_by_page_and_an_outcome_already_recorded_wins()
    {
        var summaries = Enumerable.Range(0, 2500)
            .Select(i => FakeDirectory.Summary($"u-{i:D5}", "ns", $"j{i}", settledAt: i % 2 == 0 ? "7" : null))
            .ToList();
        var directory = new FakeDirectory(summaries);
        var outcomes = new JobOutcomeTracker();
        outcomes.Record("u-00000", "9", nameof(SyncReason.DatabaseUnavailable), inSync: false, Disposition.Retry);
        var seeder = new SettledJobSeeder(directory, outcomes, ["ns"], NullLogger<SettledJobSeeder>.Instance);

        Assert.Equal(1249, await seeder.SeedAsync(CancellationToken.None));

        Assert.Equal([null, "u-00999", "u-01999"], directory.Afters);
        Assert.True(outcomes.IsSettledAt("u-00002", "7", out var disposition));
        Assert.Equal(Disposition.Done, disposition);
        Assert.False(outcomes.IsSettledAt("u-00002", "8", out _));
        Assert.False(outcomes.IsSettledAt("u-00001", "7", out _));
        Assert.False(outcomes.IsSettledAt("u-00000", "7", out _)); // what this term saw itself wins
        Assert.True(outcomes.Knows("u-00001")); // listed, not settled: known to its grain all the same
        Assert.False(outcomes.Knows("u-02500"));
    }

    [Fact]
    public async Task A_directory_that_cannot_be_read_seeds_nothing_and_does_not_fail_the_term()
    {
        var outcomes = new JobOutcomeTracker();
        var seeder = new SettledJobSeeder(
            new FakeDirectory([], new TimeoutException("silos unreachable")), outcomes, [null], NullLogger<SettledJobSeeder>.Instance);

        Assert.Equal(0, await seeder.SeedAsync(CancellationToken.None));
        Assert.Equal(0, outcomes.Count);
    }
}
