using System.Diagnostics;

namespace AgentJobSync.TestHarness;

/// <summary>Runs a short-lived command to completion and captures its output (install.sh, start.sh, stop.sh).</summary>
internal static class ScriptRunner
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> StdoutLines, string Stderr)
    {
        public string? LastStdoutLine => StdoutLines.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();

        public string Describe() =>
            $"exit code {ExitCode}; stderr (tail):\n{Tail(Stderr)}\nstdout (tail):\n{Tail(string.Join('\n', StdoutLines))}";

        private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
    }

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var process = Start(fileName, arguments, environment);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{fileName} did not finish within {timeout}; stderr:\n{await stderr.ConfigureAwait(false)}");
        }

        var lines = (await stdout.ConfigureAwait(false)).Split('\n');
        return new Result(process.ExitCode, lines, await stderr.ConfigureAwait(false));
    }

    public static Result Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        using var process = Start(fileName, arguments, environment: null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            TryKill(process);
            process.WaitForExit();
            return new Result(-1, [], $"{fileName} did not finish within {timeout}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult().Split('\n'), stderr.GetAwaiter().GetResult());
    }

    private static Process Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        return process;
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}
