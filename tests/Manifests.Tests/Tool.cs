using System.Diagnostics;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Manifests.Tests;

/// <summary>helm and kubectl from the test assets, run to completion with their output captured.</summary>
internal static class Tool
{
    public static string ChartDirectory => Path.Combine(TestAssets.RepoRoot, "k8s", "chart");

    public static string BaseDirectory => Path.Combine(TestAssets.RepoRoot, "k8s", "base");

    public static async Task<Result> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(await TestAssets.BinDirAsync(), tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestAssets.RepoRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr, $"{tool} {string.Join(' ', arguments)}");
    }

    /// <summary>Runs the tool and fails the test, with its output, unless it exits 0.</summary>
    public static async Task<string> OutputAsync(string tool, params string[] arguments)
    {
        var result = await RunAsync(tool, arguments);
        Assert.True(result.ExitCode == 0, result.Describe());
        return result.Stdout;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, string Command)
    {
        public string Describe() => $"{Command}: exit code {ExitCode}\nstderr:\n{Stderr}\nstdout:\n{Stdout}";
    }
}
