using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>
/// scripts/fetch-test-releases.sh (what `make deps` runs when no test-assets folder is given or found) against a local
/// HTTP server serving the official release files at their official paths: installs every binary, checked; refuses a
/// file whose checksum differs or is not pinned; fails in one line naming what is missing when nothing answers.
/// </summary>
public sealed class ReleaseDownloadTests(ReleaseMirror mirror) : IClassFixture<ReleaseMirror>, IDisposable
{
    private static readonly string[] Components = ["kube-apiserver", "kubectl", "etcd", "helm", "toxiproxy-server", "toxiproxy-cli", "ferretdb"];
    private readonly string destination = Path.Combine(Path.GetTempPath(), $"agentjob-release-fetch-{Guid.NewGuid():N}");

    [Fact]
    public void The_pinned_file_names_each_component_at_its_version_from_its_official_location()
    {
        Assert.Equal(Components.Order(), mirror.Pinned.SelectMany(l => l.Names).Order());
        string[] urls =
        [
            "https://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kube-apiserver",
            "https://dl.k8s.io/release/v1.35.4/bin/linux/amd64/kubectl",
            "https://github.com/etcd-io/etcd/releases/download/v3.5.35/etcd-v3.5.35-linux-amd64.tar.gz",
            "https://get.helm.sh/helm-v3.22.0-linux-amd64.tar.gz",
            "https://github.com/Shopify/toxiproxy/releases/download/v2.5.0/toxiproxy_2.5.0_linux_amd64.tar.gz",
            "https://github.com/FerretDB/FerretDB/releases/download/v1.24.2/ferretdb-linux-amd64",
        ];
        Assert.Equal(urls.Order(), mirror.Pinned.Select(l => l.Url).Order());
        Assert.All(mirror.Pinned, l => Assert.Matches("^([0-9a-f]{64}|UNPINNED)$", l.Sha256));
    }

    [Fact]
    public async Task Every_binary_is_installed_checked_and_announced_in_one_line_and_a_second_run_downloads_nothing()
    {
        using var server = new StaticFileServer(mirror.Folder);
        var sums = mirror.WriteSums(mirror.Served);

        var first = await FetchAsync(server.BaseUrl, sums);

        Assert.True(first.ExitCode == 0, first.Describe());
        Assert.Equal(destination, first.LastStdoutLine);
        var announcement = Assert.Single(Lines(first.Stderr));
        Assert.StartsWith("fetched kube-apiserver kubectl etcd helm toxiproxy-server toxiproxy-cli ferretdb", announcement, StringComparison.Ordinal);
        foreach (var (name, sha) in mirror.Binaries)
        {
            var installed = Path.Combine(destination, name);
            Assert.True(TestAssets.IsExecutable(installed), $"{installed} is not an executable file");
            Assert.Equal(sha, await ReleaseMirror.Sha256Async(installed));
        }

        Assert.Equal(mirror.Served.Count, server.Requests);

        // The harness takes this folder as it takes any folder of plain binaries.
        Assert.Equal(Path.Combine(destination, "ferretdb"), TestAssets.FerretDbIn(destination, destination));
        Assert.Equal(destination, TestAssets.SelectRoot(destination, TestAssets.RepoRoot));

        var second = await FetchAsync(server.BaseUrl, sums);
        Assert.True(second.ExitCode == 0, second.Describe());
        Assert.Equal(destination, second.LastStdoutLine);
        Assert.Empty(Lines(second.Stderr));
        Assert.Equal(mirror.Served.Count, server.Requests);
    }

    [Fact]
    public async Task A_file_whose_checksum_differs_from_the_pinned_one_fails_and_installs_nothing_from_it()
    {
        using var server = new StaticFileServer(mirror.Folder);
        var helm = mirror.Served.Single(l => l.Names.Contains("helm"));
        var sums = mirror.WriteSums(mirror.Served.Select(l => l == helm ? l with { Sha256 = new string('0', 64) } : l));

        var result = await FetchAsync(server.BaseUrl, sums);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains("checksum mismatch", line, StringComparison.Ordinal);
        Assert.Contains(helm.Url["https://".Length..], line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(destination, "helm")), "helm installed despite the mismatch");
    }

    [Fact]
    public async Task A_file_without_a_pinned_checksum_is_never_downloaded()
    {
        using var server = new StaticFileServer(mirror.Folder);
        var etcd = mirror.Served.Single(l => l.Names.Contains("etcd"));
        var sums = mirror.WriteSums(mirror.Served.Select(l => l == etcd ? l with { Sha256 = "UNPINNED" } : l));

        var result = await FetchAsync(server.BaseUrl, sums);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains(etcd.Url, line, StringComparison.Ordinal);
        Assert.Contains(TestAssets.Variable, line, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        Assert.False(Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any(), "something was installed");
    }

    [Fact]
    public async Task Without_network_it_fails_in_one_line_naming_what_is_missing_and_both_ways_to_provide_it()
    {
        var closed = $"http://127.0.0.1:{PortAllocator.GetFreeTcpPort()}";

        var result = await FetchAsync(closed, mirror.WriteSums(mirror.Served));

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Contains("cannot download", line, StringComparison.Ordinal);
        Assert.All(Components, c => Assert.Contains(c, line, StringComparison.Ordinal));
        Assert.Contains(TestAssets.Variable, line, StringComparison.Ordinal);
        Assert.Contains("official release sites are reachable", line, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(destination))
        {
            Directory.Delete(destination, recursive: true);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private Task<ScriptRunner.Result> FetchAsync(string mirrorUrl, string sums) =>
        ScriptRunner.RunAsync(ReleaseMirror.Script, [destination],
            new Dictionary<string, string> { ["AGENTJOB_RELEASES_MIRROR"] = mirrorUrl, ["AGENTJOB_RELEASES_SUMS"] = sums },
            TimeSpan.FromMinutes(5), CancellationToken.None);
}
