using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// The processes as `make publish` and the image ship them start from precompiled code and keep it: without it a silo
/// spends its first minutes recompiling hot methods in the background (docs/performance.md).
/// </summary>
public sealed class PublishedCodeTests
{
    private static readonly string PublishDir = Path.GetDirectoryName(PublishedApps.Locate().SiloDll)!;

    [Theory]
    [InlineData("AgentJobSync.Silo.dll")]
    [InlineData("AgentJobSync.WatchHost.dll")]
    [InlineData("AgentJobSync.Grains.dll")]
    [InlineData("Orleans.Runtime.dll")]
    [InlineData("Orleans.Core.dll")]
    [InlineData("MongoDB.Driver.dll")]
    [InlineData("KubernetesClient.dll")]
    public void Each_assembly_carries_ReadyToRun_code(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(Path.Combine(PublishDir, assembly)));

        // A ReadyToRun image points its CLI header's managed native header at the precompiled code; IL-only has none.
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} has no ReadyToRun code");
    }

    [Theory]
    [InlineData("AgentJobSync.Silo.runtimeconfig.json")]
    [InlineData("AgentJobSync.WatchHost.runtimeconfig.json")]
    public void Each_process_runs_without_tiered_recompilation(string runtimeConfig)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(PublishDir, runtimeConfig)))!;

        Assert.False(config["runtimeOptions"]!["configProperties"]!["System.Runtime.TieredCompilation"]!.GetValue<bool>());
    }
}
