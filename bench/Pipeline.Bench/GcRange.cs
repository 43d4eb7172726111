using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// Resident memory of a process split at the garbage collector's address range, read from <c>/proc/PID/smaps</c>.
/// The GC reserves one range for all its regions at start (twice the machine's memory or 256 GiB, unmapped) and makes
/// parts of it readable and writable as it commits them, so the range shows as one run of adjacent anonymous mappings,
/// by far the largest in the process. A committed page is resident only once written: after a start the GC's committed
/// free regions are written a little at a time as allocation cycles through them, so the range's resident memory climbs
/// for many minutes towards the committed size while nothing leaks. <see cref="OutsideBytes"/> is everything else
/// resident: native heaps, thread stacks, JIT'd code, mapped assemblies.
/// </summary>
internal sealed record GcRange(long ResidentBytes, long OutsideBytes)
{
    public static GcRange Of(int pid) => Parse(File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/smaps"));

    public static long ResidentOutside(IEnumerable<int> pids) => pids.Sum(pid => Of(pid).OutsideBytes);

    public static GcRange Parse(IEnumerable<string> smaps)
    {
        var mappings = Mappings(smaps);
        var total = mappings.Sum(m => m.Rss);
        // Runs of adjacent anonymous mappings; the GC's range is the run spanning the most addresses.
        List<Mapping>? largest = null;
        List<Mapping>? run = null;
        foreach (var mapping in mappings)
        {
            if (!mapping.Anonymous)
            {
                run = null;
                continue;
            }

            if (run is null || run[^1].End != mapping.Start)
            {
                run = [];
            }

            run.Add(mapping);
            if (largest is null || Span(run) > Span(largest))
            {
                largest = run;
            }
        }

        var gc = largest?.Sum(m => m.Rss) ?? 0;
        return new GcRange(gc, total - gc);
    }

    private static ulong Span(List<Mapping> run) => run[^1].End - run[0].Start;

    private static List<Mapping> Mappings(IEnumerable<string> smaps)
    {
        var mappings = new List<Mapping>();
        foreach (var line in smaps)
        {
            // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow as "Name: value kB".
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && fields.Length >= 5 && !fields[0].EndsWith(':'))
            {
                mappings.Add(new Mapping(
                    ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    Anonymous: fields.Length == 5 && fields[4] == "0"));
            }
            else if (fields[0] == "Rss:" && mappings.Count > 0)
            {
                mappings[^1].Rss = long.Parse(fields[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return mappings;
    }

    private sealed record Mapping(ulong Start, ulong End, bool Anonymous)
    {
        public long Rss { get; set; }
    }
}
