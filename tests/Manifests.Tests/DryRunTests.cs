using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>Every object the chart renders (defaults, every opt-in) and the kustomize base, accepted by the real API server.</summary>
[Collection(ManifestsCollection.Name)]
public sealed partial class DryRunTests(ManifestsFixture fixture)
{
    public static TheoryData<string> Variants => new() { "defaults", "opt-ins", "kustomize-base" };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task EveryRenderedObjectPassesServerSideDryRun(string variant)
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("dry-" + variant);
        string rendered;
        switch (variant)
        {
            case "defaults":
                rendered = await Tool.OutputAsync("helm", "template", "agentjob-sync", Tool.ChartDirectory, "--namespace", ns,
                    "--include-crds", "--set", "secrets.DB_URL=mongodb://db:27017");
                break;
            case "opt-ins":
                await InstallServiceMonitorCrdAsync();
                rendered = await Tool.OutputAsync("helm", "template", "agentjob-sync", Tool.ChartDirectory, "--namespace", ns,
                    "--include-crds", "-f", Path.Combine(TestHarness.TestAssets.RepoRoot, "tests", "Manifests.Tests", "opt-ins.yaml"));
                break;
            default:
                rendered = await Tool.OutputAsync("kubectl", "kustomize", Tool.BaseDirectory);
                break;
        }

        var objects = TopLevelKind().Matches(rendered).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("Deployment", objects);
        Assert.Contains("CustomResourceDefinition", objects);
        if (variant == "opt-ins")
        {
            Assert.Contains("ServiceMonitor", objects);
            Assert.Contains("ClusterRole", objects);
        }
        else
        {
            Assert.DoesNotContain("ServiceMonitor", objects);
            Assert.DoesNotContain("ClusterRole", objects);
        }

        var file = Path.Combine(fixture.LogDirectory, $"dry-run-{variant}.yaml");
        await File.WriteAllTextAsync(file, rendered);
        var output = await Tool.OutputAsync("kubectl", "--kubeconfig", fixture.Kube.KubeconfigPath, "apply", "--server-side",
            "--dry-run=server", "--field-manager=agentjob-sync-manifests-check", "-f", file);
        var applied = output.Split('\n').Count(l => l.Contains("serverside-applied (server dry run)", StringComparison.Ordinal));
        Assert.True(applied == objects.Count, $"{applied} of {objects.Count} objects applied:\n{output}");
    }

    // The Prometheus operator's CRD is not among the test assets: a schemaless stand-in lets the API server accept the
    // ServiceMonitor's shape as an object of that kind (its fields are not validated).
    private async Task InstallServiceMonitorCrdAsync()
    {
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "servicemonitors.monitoring.coreos.com" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "monitoring.coreos.com",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Kind = "ServiceMonitor", ListKind = "ServiceMonitorList", Plural = "servicemonitors", Singular = "servicemonitor" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1", Served = true, Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } },
                    },
                ],
            },
        };
        try
        {
            await fixture.Kube.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            return;
        }

        await TestHarness.Eventually.UntilAsync(
            async ct =>
            {
                await fixture.Kube.Client.CustomObjects.ListClusterCustomObjectAsync("monitoring.coreos.com", "v1", "servicemonitors", limit: 1, cancellationToken: ct);
                return true;
            },
            TimeSpan.FromSeconds(30), "servicemonitors served");
    }

    [GeneratedRegex("^kind: (\\w+)$", RegexOptions.Multiline)]
    private static partial Regex TopLevelKind();
}
