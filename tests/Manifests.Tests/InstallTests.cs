using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// What only shows in a real cluster: the values schema, the kustomize base under another namespace, every secret key
/// reaching its pods, two releases in one namespace staying two clusters, and an uninstall that leaves nothing of ours
/// but the CRDs. Releases are applied to the real API server and the published processes run with the rendered pods'
/// environment under the rendered ServiceAccounts.
/// </summary>
[Collection(ManifestsCollection.Name)]
public sealed class InstallTests(ManifestsFixture fixture)
{
    private const string ClusterLabel = "clustering.agentjobsync.dev/cluster";
    private const string MembershipGroup = "clustering.agentjobsync.dev";

    public static TheoryData<string, string> BadValues => new()
    {
        { "silo.replicas=three", "at '/silo/replicas': got string, want integer" },
        { "silo.replica=3", "additional properties 'replica' not allowed" },
        { "dashbord.token=x", "additional properties 'dashbord' not allowed" },
        { "image.pullPolicy=Sometimes", "/image/pullPolicy" },
        { "silo.antiAffinity=maybe", "/silo/antiAffinity" },
        { "networkPolicy.enabled=yes please", "/networkPolicy/enabled" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_values_schema_rejects_wrong_types_and_unknown_keys(string value, string expected)
    {
        var result = await Tool.RunAsync("helm", "template", "agentjob-sync", Tool.ChartDirectory, "--set", "secrets.DB_URL=mongodb://db", "--set", value);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_kustomize_base_runs_in_the_namespace_of_an_overlay()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("overlay");
        var overlay = Path.Combine(TestAssets.RepoRoot, ".build", "test-overlays", ns);
        Directory.CreateDirectory(overlay);
        await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), $"namespace: {ns}\nresources:\n  - ../../../k8s/base\n");
        var rendered = await Tool.OutputAsync("kubectl", "kustomize", overlay);
        Assert.DoesNotContain(ManifestsFixture.PlatformNamespace, rendered, StringComparison.Ordinal);
        await ApplyAsync(rendered, $"overlay-{ns}.yaml");
        await fixture.Kube.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "agentjob-sync-db" }, StringData = new Dictionary<string, string> { ["DB_URL"] = fixture.Mongo.Url } }, ns);

        var (silo, watch) = await DeploymentsAsync(ns, "agentjob-sync");
        await using var processes = new ProcessGroup();
        var siloProcess = processes.Add(await PodProcess.StartAsync(fixture, silo, "agentjob-sync-silo-0", await KubeconfigAsync(ns, silo)));
        Assert.Equal(fixture.Mongo.Url, siloProcess.Environment["DB_URL"]);
        await siloProcess.WaitForReadySiloAsync();

        var watchKubeconfig = await KubeconfigAsync(ns, watch);
        var watchHost = processes.Add(await PodProcess.StartAsync(fixture, watch, "agentjob-sync-watchhost-0", watchKubeconfig));
        foreach (var variable in new[] { "MEMBERSHIP_NAMESPACE", "LEASE_NAMESPACE", "WATCH_NAMESPACES" })
        {
            Assert.Equal(ns, watchHost.Environment[variable]);
        }

        // Leader in the overlay's namespace, with the base's Roles moved there with it.
        await Eventually.UntilAsync(
            async ct => (await ReadLeaseAsync(ns, "agentjob-sync-watchhost", ct))?.Spec.HolderIdentity == "agentjob-sync-watchhost-0",
            PodProcess.StartTimeout, $"the watch host holds its Lease in {ns}\n{watchHost.Process.Describe()}");
        using var watchApi = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(watchKubeconfig));
        Assert.True(await Access.AllowedAsync(watchApi, ns, "watch", "agentjobs", "ea.erulabs.ai"), "the watch host may not watch AgentJobs in the overlay's namespace");
        Assert.False(watchHost.Process.HasExited, watchHost.Process.Describe());
    }

    [Fact]
    public async Task Every_key_under_secrets_reaches_the_pods_that_need_it()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("secrets");
        await ApplyAsync(await Tool.OutputAsync("helm", "template", "own", Tool.ChartDirectory, "--namespace", ns,
            "--set", "secrets.DB_URL=mongodb://own-db", "--set", "secrets.EXTRA_SETTING=shared-value"), $"secrets-own-{ns}.yaml");
        await fixture.Kube.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "managed-db" }, StringData = new Dictionary<string, string> { ["DB_URL"] = "mongodb://managed-db" } }, ns);
        await ApplyAsync(await Tool.OutputAsync("helm", "template", "managed", Tool.ChartDirectory, "--namespace", ns,
            "--set", "existingSecret=managed-db", "--set", "secrets.OTHER_SETTING=other-value"), $"secrets-managed-{ns}.yaml");

        var (ownSilo, ownWatch) = await EnvironmentsAsync(ns, "own");
        Assert.Equal("mongodb://own-db", ownSilo["DB_URL"]);
        Assert.Equal("shared-value", ownSilo["EXTRA_SETTING"]);
        Assert.Equal("shared-value", ownWatch["EXTRA_SETTING"]);
        Assert.False(ownWatch.ContainsKey("DB_URL"), "the watch host, which never talks to MongoDB, gets DB_URL");

        var (managedSilo, managedWatch) = await EnvironmentsAsync(ns, "managed");
        Assert.Equal("mongodb://managed-db", managedSilo["DB_URL"]);
        Assert.Equal("other-value", managedSilo["OTHER_SETTING"]);
        Assert.Equal("other-value", managedWatch["OTHER_SETTING"]);
        Assert.False(managedWatch.ContainsKey("DB_URL"), "the watch host gets DB_URL");
    }

    [Fact]
    public async Task Two_releases_in_one_namespace_are_two_clusters_and_uninstalling_one_leaves_nothing_of_it_but_the_crds()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("two");
        var notes = new Dictionary<string, string>();
        foreach (var release in new[] { "alpha", "beta" })
        {
            notes[release] = await Tool.OutputAsync("helm", "install", release, Tool.ChartDirectory, "--kubeconfig", fixture.Kube.KubeconfigPath,
                "--namespace", ns, "--set", "secrets.DB_URL=" + fixture.Mongo.Url, "--set", $"watchNamespaces={{{ns}}}");
        }

        await using var alphaProcesses = new ProcessGroup();
        await using var betaProcesses = new ProcessGroup();
        foreach (var (release, group) in new[] { ("alpha", alphaProcesses), ("beta", betaProcesses) })
        {
            var config = await fixture.Kube.Client.CoreV1.ReadNamespacedConfigMapAsync($"{release}-config", ns);
            Assert.Equal(release, config.Data["CLUSTER_ID"]);
            Assert.Equal(release, config.Data["SERVICE_ID"]);
            var (silo, _) = await DeploymentsAsync(ns, release);
            var process = group.Add(await PodProcess.StartAsync(fixture, silo, $"{release}-silo-0", await KubeconfigAsync(ns, silo)));
            await process.WaitForReadySiloAsync();
        }

        // Each cluster's membership holds its own silo only: the silos never see each other.
        var rows = (await fixture.Kube.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(MembershipGroup, "v1", ns, "orleanssilos"))["items"]!.AsArray();
        Assert.Equal(2, rows.Count);
        foreach (var release in new[] { "alpha", "beta" })
        {
            var own = Assert.Single(rows, r => r!["spec"]!["clusterId"]!.GetValue<string>() == release)!;
            Assert.Equal($"{release}-silo-0", own["spec"]!["siloName"]!.GetValue<string>());
            Assert.Equal(ClusterKeyIn(notes[release]), own["metadata"]!["labels"]![ClusterLabel]!.GetValue<string>());
        }

        Assert.NotEqual(ClusterKeyIn(notes["alpha"]), ClusterKeyIn(notes["beta"]));

        var (_, alphaWatch) = await DeploymentsAsync(ns, "alpha");
        var watchHost = alphaProcesses.Add(await PodProcess.StartAsync(fixture, alphaWatch, "alpha-watchhost-0", await KubeconfigAsync(ns, alphaWatch)));
        await Eventually.UntilAsync(
            async ct => (await ReadLeaseAsync(ns, "alpha-watchhost", ct))?.Spec.HolderIdentity == "alpha-watchhost-0",
            PodProcess.StartTimeout, $"alpha's watch host holds its Lease\n{watchHost.Process.Describe()}");

        // Uninstall alpha as NOTES.txt says: helm uninstall, then (pods gone) the line deleting what the processes created.
        var chartObjects = ObjectsOf(await Tool.OutputAsync("helm", "get", "manifest", "alpha", "--kubeconfig", fixture.Kube.KubeconfigPath, "--namespace", ns));
        Assert.Contains(chartObjects, o => o.StartsWith("deployment/", StringComparison.Ordinal));
        await alphaProcesses.DisposeAsync();
        await Tool.OutputAsync("helm", "uninstall", "alpha", "--kubeconfig", fixture.Kube.KubeconfigPath, "--namespace", ns);
        // The ReplicaSet's pods would go with the Deployment (garbage collector); these stand-ins have no owner.
        foreach (var pod in new[] { "alpha-silo-0", "alpha-watchhost-0" })
        {
            await fixture.Kube.Client.CoreV1.DeleteNamespacedPodAsync(pod, ns, gracePeriodSeconds: 0);
        }

        foreach (var command in CleanupCommandsIn(notes["alpha"]))
        {
            await Tool.OutputAsync("kubectl", ["--kubeconfig", fixture.Kube.KubeconfigPath, .. command]);
        }

        var left = await Tool.OutputAsync("kubectl", ["--kubeconfig", fixture.Kube.KubeconfigPath, "--namespace", ns, "get", "--ignore-not-found", "-o", "name",
            .. chartObjects, "lease/alpha-watchhost"]);
        Assert.True(left.Trim().Length == 0, $"left behind by the uninstall:\n{left}");
        var remaining = (await fixture.Kube.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(MembershipGroup, "v1", ns, "orleanssilos"))["items"]!.AsArray();
        Assert.Equal("beta", Assert.Single(remaining)!["spec"]!["clusterId"]!.GetValue<string>());
        var versions = (await fixture.Kube.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(MembershipGroup, "v1", ns, "orleansclusterversions"))["items"]!.AsArray();
        Assert.Equal(ClusterKeyIn(notes["beta"]), Assert.Single(versions)!["metadata"]!["labels"]![ClusterLabel]!.GetValue<string>());
        var releaseRecords = await fixture.Kube.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "owner=helm,name=alpha");
        Assert.Empty(releaseRecords.Items);
        Assert.NotNull(await fixture.Kube.Client.AppsV1.ReadNamespacedDeploymentAsync("beta-silo", ns));
    }

    // The cluster key NOTES.txt prints in its label selectors.
    private static string ClusterKeyIn(string notes)
    {
        var at = notes.IndexOf(ClusterLabel + "=", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no {ClusterLabel} selector in NOTES:\n{notes}");
        return new string([.. notes[(at + ClusterLabel.Length + 1)..].TakeWhile(char.IsAsciiLetterOrDigit)]);
    }

    // The kubectl commands of NOTES.txt's uninstall line, without "kubectl".
    private static List<string[]> CleanupCommandsIn(string notes)
    {
        var line = Assert.Single(notes.Split('\n'), l => l.Contains("delete orleanssilos,orleansclusterversions", StringComparison.Ordinal));
        return
        [
            .. line.Split("&&", StringSplitOptions.TrimEntries)
                .Select(command => command.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(words => { Assert.Equal("kubectl", words[0]); return words[1..]; }),
        ];
    }

    // kind/name of every object in a rendered manifest (helm get manifest).
    private static List<string> ObjectsOf(string manifest)
    {
        var objects = new List<string>();
        foreach (var document in manifest.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = document.Split('\n');
            var kind = lines.FirstOrDefault(l => l.StartsWith("kind: ", StringComparison.Ordinal))?["kind: ".Length..].Trim();
            var metadata = Array.FindIndex(lines, l => l.StartsWith("metadata:", StringComparison.Ordinal));
            var name = metadata < 0 ? null : lines.Skip(metadata + 1).FirstOrDefault(l => l.StartsWith("  name: ", StringComparison.Ordinal))?["  name: ".Length..].Trim().Trim('"');
            if (kind is not null && name is not null)
            {
                objects.Add($"{kind.ToLowerInvariant()}/{name}");
            }
        }

        return objects;
    }

    private async Task ApplyAsync(string rendered, string fileName)
    {
        var file = Path.Combine(fixture.LogDirectory, fileName);
        await File.WriteAllTextAsync(file, rendered, Encoding.UTF8);
        await Tool.OutputAsync("kubectl", "--kubeconfig", fixture.Kube.KubeconfigPath, "apply", "--server-side", "--force-conflicts",
            "--field-manager=agentjob-sync-manifests-check", "-f", file);
    }

    private async Task<(V1Deployment Silo, V1Deployment WatchHost)> DeploymentsAsync(string ns, string release) =>
        (await fixture.Kube.Client.AppsV1.ReadNamespacedDeploymentAsync($"{release}-silo", ns),
         await fixture.Kube.Client.AppsV1.ReadNamespacedDeploymentAsync($"{release}-watchhost", ns));

    private async Task<(Dictionary<string, string> Silo, Dictionary<string, string> WatchHost)> EnvironmentsAsync(string ns, string release)
    {
        var (silo, watch) = await DeploymentsAsync(ns, release);
        return (await PodEnvironment.ResolveAsync(fixture.Kube.Client, silo, $"{release}-silo-0", "127.0.0.1"),
                await PodEnvironment.ResolveAsync(fixture.Kube.Client, watch, $"{release}-watchhost-0", "127.0.0.1"));
    }

    private Task<string> KubeconfigAsync(string ns, V1Deployment deployment) =>
        fixture.KubeconfigForAsync(ns, deployment.Spec.Template.Spec.ServiceAccountName);

    private async Task<V1Lease?> ReadLeaseAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await fixture.Kube.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
