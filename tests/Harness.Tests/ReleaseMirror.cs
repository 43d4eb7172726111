using System.Diagnostics;
using System.Security.Cryptography;
using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>
/// The official release files of scripts/test-releases.sha256, rebuilt from the test assets' binaries (the same
/// versions) and laid out as <c>&lt;folder&gt;/&lt;host&gt;/&lt;path&gt;</c> of their official URLs, with a checksum file in the
/// same format listing their real SHA-256: what scripts/fetch-test-releases.sh downloads, without the network.
/// </summary>
public sealed class ReleaseMirror : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"agentjob-release-mirror-{Guid.NewGuid():N}");

    /// <summary>The repository's pinned lines: checksum, URL, what to take.</summary>
    public IReadOnlyList<ReleaseLine> Pinned { get; private set; } = [];

    /// <summary>The same lines with the checksums of the files in <see cref="Folder"/>.</summary>
    public IReadOnlyList<ReleaseLine> Served { get; private set; } = [];

    /// <summary>Each installed name and the SHA-256 of the binary it must be.</summary>
    public Dictionary<string, string> Binaries { get; } = new(StringComparer.Ordinal);

    public static string Script => Path.Combine(TestAssets.RepoRoot, "scripts", "fetch-test-releases.sh");

    public async Task InitializeAsync()
    {
        Pinned = ReleaseLine.Parse(await File.ReadAllLinesAsync(Path.Combine(TestAssets.RepoRoot, "scripts", "test-releases.sha256")));
        var binDirectory = await TestAssets.BinDirAsync();
        var sources = Directory.CreateDirectory(Path.Combine(Folder, ".sources")).FullName;
        var ferretDb = await TestAssets.FerretDbAsync();
        var ferretDbPlain = Path.Combine(sources, "ferretdb");
        if (ferretDb.EndsWith(".xz", StringComparison.Ordinal))
        {
            await RunAsync("/bin/sh", "-c", "xz -dc \"$0\" > \"$1\"", ferretDb, ferretDbPlain);
        }
        else
        {
            File.Copy(ferretDb, ferretDbPlain);
        }

        string SourceOf(string name) => name == "ferretdb" ? ferretDbPlain : Path.Combine(binDirectory, name);

        var served = new List<ReleaseLine>();
        foreach (var line in Pinned)
        {
            var file = Path.Combine(Folder, line.Url["https://".Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            if (line.IsArchive)
            {
                var stage = Directory.CreateDirectory(Path.Combine(sources, Guid.NewGuid().ToString("N"))).FullName;
                foreach (var member in line.What)
                {
                    var staged = Path.Combine(stage, member);
                    Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
                    File.CreateSymbolicLink(staged, SourceOf(Path.GetFileName(member)));
                }

                await RunAsync("tar", ["-czhf", file, "-C", stage, .. line.What]);
            }
            else
            {
                File.CreateSymbolicLink(file, SourceOf(line.What[0]));
            }

            served.Add(line with { Sha256 = await Sha256Async(file) });
            foreach (var name in line.Names)
            {
                Binaries[name] = await Sha256Async(SourceOf(name));
            }
        }

        Served = served;
    }

    /// <summary>Writes a checksum file of <paramref name="lines"/> and returns its path.</summary>
    public string WriteSums(IEnumerable<ReleaseLine> lines)
    {
        var path = Path.Combine(Folder, $"sums-{Guid.NewGuid():N}.sha256");
        File.WriteAllLines(path, ["# written by the test", .. lines.Select(l => l.ToString())]);
        return path;
    }

    public static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {await stderr}");
    }
}
