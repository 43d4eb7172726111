using Xunit;

namespace AgentJobSync.Bench.Tests;

public class GcRangeTests
{
    // A process's smaps reduced to what the reader uses: a mapped file, the GC's reservation (unmapped where not
    // committed, readable and writable where committed), a separate anonymous mapping (a thread's stack or a native
    // arena) and the brk heap.
    private static readonly string[] Smaps =
    [
        "55d0a0000000-55d0a0010000 r-xp 00000000 fe:00 345402                     /usr/share/dotnet/dotnet",
        "Size:                 64 kB",
        "Rss:                  48 kB",
        "55d0a1000000-55d0a1100000 rw-p 00000000 00:00 0                          [heap]",
        "Rss:                 512 kB",
        "VmFlags: rd wr mr mw me ac sd",
        "7f0000000000-7f0000400000 rw-p 00000000 00:00 0 ",
        "Rss:                2048 kB",
        "7f0000400000-7f0400000000 ---p 00000000 00:00 0 ",
        "Rss:                   0 kB",
        "7f0400000000-7f0400800000 rw-p 00000000 00:00 0 ",
        "Rss:                3072 kB",
        "7f0400800000-7f0800000000 ---p 00000000 00:00 0 ",
        "Rss:                   0 kB",
        "7f0900000000-7f0900200000 rw-p 00000000 00:00 0 ",
        "Rss:                 256 kB",
        "7f0a00000000-7f0a00001000 r--p 00000000 fe:00 12                         /usr/lib/libc.so.6",
        "Rss:                   4 kB",
    ];

    [Fact]
    public void The_GCs_range_is_the_widest_run_of_adjacent_anonymous_mappings()
    {
        var range = GcRange.Parse(Smaps);

        Assert.Equal((2048 + 3072) * 1024L, range.ResidentBytes);
        Assert.Equal((48 + 512 + 256 + 4) * 1024L, range.OutsideBytes);
    }

    [Fact]
    public void A_gap_between_anonymous_mappings_ends_a_run()
    {
        // The reservation starts after a gap: the mapping before it is something else (here 2 MiB resident).
        string[] split = [.. Smaps.Select(l => l.Replace("7f0000400000-7f0400000000", "7f0000500000-7f0400000000", StringComparison.Ordinal))];

        var range = GcRange.Parse(split);

        Assert.Equal(3072 * 1024L, range.ResidentBytes);
        Assert.Equal((48 + 512 + 2048 + 256 + 4) * 1024L, range.OutsideBytes);
    }

    [Fact]
    public void An_array_the_collector_allocates_is_resident_inside_its_range_of_this_process()
    {
        var before = GcRange.Of(Environment.ProcessId);
        var array = new byte[64 << 20];
        Array.Fill(array, (byte)1);

        var after = GcRange.Of(Environment.ProcessId);
        GC.KeepAlive(array);

        Assert.InRange(after.ResidentBytes - before.ResidentBytes, 60L << 20, 80L << 20);
        Assert.InRange(after.OutsideBytes - before.OutsideBytes, -(16L << 20), 16L << 20);
    }
}
