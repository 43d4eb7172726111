using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>Resident memory and threads of processes, from <c>/proc/PID/status</c>: VmRSS is what a pod's memory limit counts.</summary>
internal static class Resident
{
    public static long Bytes(IEnumerable<int> pids) => pids.Sum(pid => Field(pid, "VmRSS:") * 1024);

    /// <summary>
    /// The part of <see cref="Bytes"/> that is mapped files (the runtime's and the application's assemblies and native
    /// libraries, paged in as code runs) rather than anonymous memory (heaps, stacks, JIT'd code).
    /// </summary>
    public static long FileBytes(IEnumerable<int> pids) => pids.Sum(pid => Field(pid, "RssFile:") * 1024);

    /// <summary>Threads of <paramref name="pids"/> (each thread's stack adds to the resident memory).</summary>
    public static long Threads(IEnumerable<int> pids) => pids.Sum(pid => Field(pid, "Threads:"));

    private static long Field(int pid, string name)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
        return long.Parse(line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
