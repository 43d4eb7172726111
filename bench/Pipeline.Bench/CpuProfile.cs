using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// CPU time of every process on the machine, by command name (from <c>/proc/PID/stat</c>: user + system time, plus
/// that of children already reaped, such as PostgreSQL's backends). Everything in the path shares the same cores, so
/// the difference of two snapshots says which part of the path a phase's CPU went to.
/// </summary>
internal sealed record CpuProfile(IReadOnlyDictionary<string, double> SecondsByCommand)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static CpuProfile Snapshot()
    {
        var byCommand = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ..." where comm may itself contain spaces or parentheses.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var command = Name(dir, stat[(open + 1)..close]);
            var fields = stat[(close + 2)..].Split(' ');
            // Fields after comm, 0-based: 11 utime, 12 stime, 13 cutime, 14 cstime.
            var ticks = new[] { 11, 12, 13, 14 }.Sum(i => double.Parse(fields[i], CultureInfo.InvariantCulture));
            byCommand[command] = byCommand.GetValueOrDefault(command) + (ticks / TicksPerSecond);
        }

        return new CpuProfile(byCommand);
    }

    // A .NET app started as "dotnet App.dll" is named by its assembly (the silos and the watch host apart).
    private static string Name(string dir, string command)
    {
        if (command != "dotnet")
        {
            return command;
        }

        try
        {
            var assembly = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0')
                .FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal));
            return assembly is null ? command : Path.GetFileNameWithoutExtension(assembly);
        }
        catch (IOException)
        {
            return command;
        }
    }

    public CpuProfile Since(CpuProfile earlier) => new(SecondsByCommand.ToDictionary(
        c => c.Key, c => c.Value - earlier.SecondsByCommand.GetValueOrDefault(c.Key), StringComparer.Ordinal));

    /// <summary>The commands that used at least 1% of the total, largest first.</summary>
    public IReadOnlyList<(string Command, double Seconds)> Top()
    {
        var total = SecondsByCommand.Values.Where(v => v > 0).Sum();
        return [.. SecondsByCommand.Where(c => c.Value > total / 100).OrderByDescending(c => c.Value).Select(c => (c.Key, c.Value))];
    }

    public string Describe(TimeSpan elapsed)
    {
        var total = SecondsByCommand.Values.Where(v => v > 0).Sum();
        var capacity = elapsed.TotalSeconds * Environment.ProcessorCount;
        return $"{total:F1} CPU-s of {capacity:F1} available ({100 * total / capacity:F0}%): "
            + string.Join(", ", Top().Select(c => $"{c.Command} {c.Seconds:F1}"));
    }
}
