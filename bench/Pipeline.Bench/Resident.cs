using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>Resident memory of processes, from <c>/proc/PID/status</c> (VmRSS): what a pod's memory limit counts.</summary>
internal static class Resident
{
    public static long Bytes(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    });
}
