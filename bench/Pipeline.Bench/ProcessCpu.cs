using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// CPU time of given processes (user + system, from <c>/proc/PID/stat</c>): the bench's own silos and watch host by
/// process id, so other processes of the same name on a shared machine do not count.
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>CPU seconds used so far by <paramref name="pid"/>, or 0 when it has ended.</summary>
    public static double Seconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return 0;
        }

        // "pid (comm) state ..." with fields after comm, 0-based: 11 utime, 12 stime.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
