using System.Diagnostics;
using System.Text.RegularExpressions;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// The image ships what the tests run (the Dockerfile publishes with `make publish`'s flags), and `make image` says in one
/// line when no builder is there instead of failing somewhere inside one.
/// </summary>
public sealed partial class ImageTests : IDisposable
{
    private readonly string bin = Directory.CreateTempSubdirectory("agentjob-image-path-").FullName;

    [Fact]
    public async Task The_Dockerfile_publishes_each_process_with_the_flags_of_make_publish()
    {
        var make = await RunAsync("make", ["-n", "--no-print-directory", "publish"], Environment.GetEnvironmentVariable("PATH")!);
        Assert.True(make.ExitCode == 0, make.Output);
        var published = PublishCommands(make.Output);
        var dockerfile = PublishCommands(await File.ReadAllTextAsync(Path.Combine(TestAssets.RepoRoot, "Dockerfile")));

        Assert.Equal([
            "dotnet publish src/Silo -c Release -r linux-x64 --self-contained false -p:UseAppHost=false",
            "dotnet publish src/WatchHost -c Release -r linux-x64 --self-contained false -p:UseAppHost=false",
        ], published);
        Assert.Equal(published, dockerfile);
    }

    [Fact]
    public async Task Without_a_builder_make_image_says_so_in_one_line()
    {
        foreach (var tool in new[] { "dirname", "grep", "sed" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, tool), Path.Combine("/usr/bin", tool));
        }

        // A docker client without an engine, as on a machine where only the CLI is installed.
        var docker = Path.Combine(bin, "docker");
        await File.WriteAllTextAsync(docker, "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var result = await RunAsync("/bin/bash", [Path.Combine(TestAssets.RepoRoot, "scripts", "image.sh"), "build", "agentjob-sync:test"], bin);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("image: no image builder available (docker with a running engine, podman or buildah); install one and rerun", line);
    }

    public void Dispose() => Directory.Delete(bin, recursive: true);

    // Each `dotnet publish` command (a Dockerfile RUN may chain several with &&), without its output folder.
    private static List<string> PublishCommands(string text) =>
    [
        .. PublishCommand().Matches(text.Replace("\\\n", " ", StringComparison.Ordinal))
            .Select(m => OutputFolder().Replace(m.Value, "").Trim())
            .Select(c => Spaces().Replace(c, " ")),
    ];

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, string path)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestAssets.RepoRoot };
        start.Environment["PATH"] = path;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"dotnet publish [^&\n]*")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"\s-o\s+\S+")]
    private static partial Regex OutputFolder();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
