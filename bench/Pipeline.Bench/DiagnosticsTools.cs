using System.Diagnostics;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Bench;

/// <summary>
/// The .NET diagnostics tools `make bench` installs in <c>.build/tools</c> (<c>dotnet-trace</c>, <c>dotnet-gcdump</c>):
/// a CPU-sampling trace of a process over a phase, and a heap dump (which first makes the process run a full, blocking
/// collection) with its largest types. Their files go to <c>.build/bench-profiles</c>; the bench prints their summaries.
/// Without the tools (the bench run directly, not through make) the profiles are left out.
/// </summary>
internal static class DiagnosticsTools
{
    private const int SigInt = 2;

    public static string ToolsDirectory { get; } = Path.Combine(TestAssets.RepoRoot, ".build", "tools");

    public static string ProfilesDirectory { get; } = Path.Combine(TestAssets.RepoRoot, ".build", "bench-profiles");

    public static bool Available(string tool) => File.Exists(Path.Combine(ToolsDirectory, tool));

    /// <summary>Starts a CPU-sampling trace of <paramref name="pid"/>; disposing the result stops it and writes the file.</summary>
    public static async Task<CpuTrace?> StartTraceAsync(int pid, string name)
    {
        if (!Available("dotnet-trace"))
        {
            return null;
        }

        Directory.CreateDirectory(ProfilesDirectory);
        var file = Path.Combine(ProfilesDirectory, name + ".nettrace");
        var process = Start("dotnet-trace", "collect", "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "-o", file);
        // Its progress lines are drained and dropped, so a full pipe never stops the tool.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // The session is open once the tool says so; sampling before that would miss the phase's start.
        var started = Stopwatch.StartNew();
        while (!File.Exists(file) && !process.HasExited && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        return new CpuTrace(process, file);
    }

    /// <summary>A heap dump of <paramref name="pid"/> (a full collection runs first) and its <paramref name="count"/> largest types.</summary>
    public static async Task<string?> HeapTypesAsync(int pid, string name, int count)
    {
        if (!Available("dotnet-gcdump"))
        {
            return null;
        }

        Directory.CreateDirectory(ProfilesDirectory);
        var file = Path.Combine(ProfilesDirectory, name + ".gcdump");
        await RunAsync("dotnet-gcdump", "collect", "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", file);
        var report = await RunAsync("dotnet-gcdump", "report", file);
        return string.Join('\n', report.Split('\n').Take(count + 2));
    }

    private static Process Start(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(ToolsDirectory, tool)) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
    }

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        using var process = Start(tool, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : $"{tool} exited with {process.ExitCode}: {await errors}{await output}";
    }

    /// <summary>A running <c>dotnet-trace collect</c>; disposing stops it (as Ctrl-C would) and waits for the file.</summary>
    internal sealed class CpuTrace(Process process, string file) : IAsyncDisposable
    {
        public string File => file;

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                LinuxProcess.Signal(process.Id, SigInt);
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(limit.Token);
            process.Dispose();
        }
    }
}
