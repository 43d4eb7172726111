using Xunit;

namespace AgentJobSync.Bench.Tests;

public class SoakVerdictTests
{
    private const int JobsPerMinute = 1000;
    private const long MiB = 1 << 20;

    [Fact]
    public void Resident_memory_climbing_towards_a_level_committed_size_is_flat()
    {
        // The GC writes its committed free regions for the first time: resident rises 1 MiB a minute, committed stays.
        var samples = Minutes(m => Sample(m, resident: 600 * MiB + (m * MiB), committed: 250 * MiB, outside: 420 * MiB));

        var verdict = SoakVerdict.Judge(samples, warmUpMinutes: 5, JobsPerMinute);

        Assert.True(verdict.Flat, verdict.Describe());
    }

    [Fact]
    public void Native_memory_growing_with_the_jobs_fails()
    {
        // 1 KiB resident outside the GC per job cycled: a native leak.
        var samples = Minutes(m => Sample(m, resident: 600 * MiB, committed: 250 * MiB, outside: 420 * MiB + (m * JobsPerMinute * 1024L)));

        var verdict = SoakVerdict.Judge(samples, warmUpMinutes: 5, JobsPerMinute);

        Assert.False(verdict.Flat, verdict.Describe());
        Assert.Equal(1024, verdict.HeldSlope / JobsPerMinute, precision: 3);
    }

    [Fact]
    public void Committed_memory_growing_with_the_jobs_fails()
    {
        var samples = Minutes(m => Sample(m, resident: 600 * MiB, committed: 250 * MiB + (m * JobsPerMinute * 512L), outside: 420 * MiB));

        Assert.False(SoakVerdict.Judge(samples, warmUpMinutes: 5, JobsPerMinute).Flat);
    }

    [Fact]
    public void Fewer_than_three_samples_after_the_warm_up_cannot_be_judged()
    {
        var samples = Minutes(m => Sample(m, resident: 600 * MiB, committed: 250 * MiB, outside: 420 * MiB)).Take(6).ToList();

        Assert.False(SoakVerdict.Judge(samples, warmUpMinutes: 5, JobsPerMinute).Flat);
    }

    private static List<SoakSample> Minutes(Func<int, SoakSample> sample) => [.. Enumerable.Range(1, 30).Select(sample)];

    private static SoakSample Sample(int minute, long resident, long committed, long outside) =>
        new(minute, minute * JobsPerMinute, minute * JobsPerMinute * 4, resident, 0, 150 * MiB, 20 * MiB, committed, outside, 250, (50, 400), 14);
}
