using System.Net;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.Configuration;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// The chart applied for real, then the published silo and watch host started with exactly the environment the rendered
/// Deployments, ConfigMap and Secret give their pods (downward API filled in here), each authenticated as its rendered
/// ServiceAccount (TokenRequest) so only the rendered Roles apply. Jobs created on the API server must reach their
/// owners' documents: this proves the RBAC is sufficient; access reviews prove it is read-only on AgentJobs.
/// </summary>
[Collection(ManifestsCollection.Name)]
public sealed class ReleaseTests(ManifestsFixture fixture)
{
    private const string Release = "agentjob-sync";
    private const string Group = "ea.erulabs.ai";

    [Fact]
    public async Task RenderedReleaseSyncsJobsUnderItsOwnRbac()
    {
        var kube = fixture.Kube.Client;
        var ns = await fixture.Kube.CreateNamespaceAsync("release");
        var jobsNamespace = await fixture.Kube.CreateNamespaceAsync("jobs");
        var rendered = await Tool.OutputAsync("helm", "template", Release, Tool.ChartDirectory, "--namespace", ns, "--include-crds",
            "--set", "secrets.DB_URL=" + fixture.Mongo.Url, "--set", $"watchNamespaces={{{jobsNamespace}}}");
        var file = Path.Combine(fixture.LogDirectory, "release.yaml");
        await File.WriteAllTextAsync(file, rendered);
        await Tool.OutputAsync("kubectl", "--kubeconfig", fixture.Kube.KubeconfigPath, "apply", "--server-side",
            "--field-manager=agentjob-sync-manifests-check", "-f", file);

        var siloDeployment = await kube.AppsV1.ReadNamespacedDeploymentAsync($"{Release}-silo", ns);
        var watchDeployment = await kube.AppsV1.ReadNamespacedDeploymentAsync($"{Release}-watchhost", ns);
        Assert.Equal(3, siloDeployment.Spec.Replicas);
        Assert.Equal(2, watchDeployment.Spec.Replicas);

        var siloKubeconfig = await KubeconfigForAsync(ns, siloDeployment.Spec.Template.Spec.ServiceAccountName);
        var watchKubeconfig = await KubeconfigForAsync(ns, watchDeployment.Spec.Template.Spec.ServiceAccountName);
        using var siloApi = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(siloKubeconfig));
        using var watchApi = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(watchKubeconfig));

        // Read-only on AgentJobs: neither identity may write one (Hands off the AgentJob); the watch host may read them.
        foreach (var verb in new[] { "create", "update", "patch", "delete" })
        {
            Assert.False(await AllowedAsync(watchApi, jobsNamespace, verb, "agentjobs"), $"watch host may {verb} agentjobs");
            Assert.False(await AllowedAsync(watchApi, jobsNamespace, verb, "agentjobs/status"), $"watch host may {verb} agentjobs/status");
            Assert.False(await AllowedAsync(siloApi, jobsNamespace, verb, "agentjobs"), $"silo may {verb} agentjobs");
        }

        foreach (var verb in new[] { "get", "list", "watch" })
        {
            Assert.True(await AllowedAsync(watchApi, jobsNamespace, verb, "agentjobs"), $"watch host may not {verb} agentjobs");
            Assert.False(await AllowedAsync(watchApi, ns, verb, "agentjobs"), $"watch host may {verb} agentjobs outside watchNamespaces");
        }

        Assert.False(await AllowedAsync(siloApi, ns, "delete", "pods", group: ""), "silo may delete pods without silo.deleteDeadSiloPods");

        // Two of the three silo replicas (the machine has two cores), each with its pod's environment.
        var processes = new List<ManagedProcess>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var silo = await PodProcess.StartAsync(fixture, siloDeployment, $"{Release}-silo-{i}", siloKubeconfig);
                processes.Add(silo.Process);
                Assert.Equal("kubernetes", silo.Environment["CLUSTERING"]);
                Assert.Equal(fixture.Mongo.Url, silo.Environment["DB_URL"]);
                Assert.Equal(ns, silo.Environment["POD_NAMESPACE"]);
                await silo.WaitForReadySiloAsync();
            }

            // Orleans' Kubernetes hosting labelled its own pod (get + patch on pods) with the rendered cluster id.
            var clusterId = (await kube.CoreV1.ReadNamespacedConfigMapAsync($"{Release}-config", ns)).Data["CLUSTER_ID"];
            var labels = (await kube.CoreV1.ReadNamespacedPodAsync($"{Release}-silo-0", ns)).Metadata.Labels;
            Assert.Equal(clusterId, labels["orleans/clusterId"]);
            var rows = await kube.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>("clustering.agentjobsync.dev", "v1", ns, "orleanssilos");
            Assert.Equal(2, rows["items"]!.AsArray().Count);

            // The watch host process with its pod's environment and its own service account.
            var watchHost = await PodProcess.StartAsync(fixture, watchDeployment, $"{Release}-watchhost-0", watchKubeconfig);
            processes.Add(watchHost.Process);
            Assert.Equal("kubernetes", watchHost.Environment["CLUSTERING"]);
            Assert.Equal(ns, watchHost.Environment["MEMBERSHIP_NAMESPACE"]);
            Assert.Equal(jobsNamespace, watchHost.Environment["WATCH_NAMESPACES"]);
            await Eventually.UntilAsync(
                async ct => (await GetAsync(watchHost.HttpPort, "/healthz", ct)) == HttpStatusCode.OK, PodProcess.StartTimeout,
                $"watch host /healthz\n{watchHost.Process.Describe()}");

            // A handful of jobs of three users, and one without a valid owner.
            var users = fixture.Mongo.Client.GetDatabase("ainuUsers").GetCollection<BsonDocument>("users");
            var expected = new Dictionary<string, (string Owner, string Status)>();
            string[] states = ["", "inactive", "executing", "completed", "error", "executing"];
            var owners = new List<string>();
            for (var u = 0; u < 3; u++)
            {
                var owner = Guid.NewGuid().ToString();
                owners.Add(owner);
                await users.InsertOneAsync(new BsonDocument { { "id", owner }, { "compute_credits", 0 }, { "jobs", new BsonArray() } });
            }

            for (var j = 0; j < states.Length; j++)
            {
                var name = $"job-{j}";
                var job = await CreateJobAsync(kube, jobsNamespace, name, owners[j % owners.Count]);
                if (states[j].Length > 0)
                {
                    await SetStateAsync(kube, jobsNamespace, name, states[j]);
                }

                expected[job["metadata"]!["uid"]!.GetValue<string>()] = (owners[j % owners.Count], Written(states[j]));
            }

            await CreateJobAsync(kube, jobsNamespace, "job-without-owner", "not-a-uuid");

            // The watch host process routes them itself: it finds the silos in the OrleansSilo objects, holds the Lease
            // and reads the AgentJobs with nothing but its rendered service account's permissions.
            foreach (var (uid, (owner, status)) in expected)
            {
                await Eventually.UntilAsync(
                    async ct =>
                    {
                        var user = await users.Find(new BsonDocument("id", owner)).SingleAsync(ct);
                        var entries = user["jobs"].AsBsonArray.OfType<BsonDocument>().Where(e => e["id"] == uid).ToList();
                        return entries.Count == 1 && entries[0]["status"] == status;
                    },
                    TimeSpan.FromSeconds(60), $"job {uid} once in {owner}'s jobs with status {status}");
            }

            // The Warning Event about the job without a valid owner (events.k8s.io create in the watched namespace).
            await Eventually.UntilAsync(
                async ct =>
                {
                    var events = await kube.EventsV1.ListNamespacedEventAsync(jobsNamespace, cancellationToken: ct);
                    return events.Items.Any(e => e.Reason == "InvalidOwner" && e.Regarding?.Name == "job-without-owner" && e.Type == "Warning");
                },
                TimeSpan.FromSeconds(60), "Warning Event InvalidOwner on job-without-owner");

            foreach (var process in processes)
            {
                Assert.False(process.HasExited, $"a process exited:\n{process.Describe()}");
            }
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static string Written(string state) => state switch
    {
        "" => "New",
        "inactive" => "Pending",
        "executing" => "Executing",
        "completed" => "Complete",
        "error" => "Error",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    private Task<string> KubeconfigForAsync(string ns, string serviceAccount) => fixture.KubeconfigForAsync(ns, serviceAccount);

    private static Task<bool> AllowedAsync(IKubernetes client, string ns, string verb, string resource, string group = Group) =>
        Access.AllowedAsync(client, ns, verb, resource, group);

    private static async Task<JsonObject> CreateJobAsync(IKubernetes client, string ns, string name, string owner)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = $"{Group}/v1",
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["agentID"] = Guid.NewGuid().ToString(),
                ["name"] = "Job " + name,
                ["user"] = owner,
                ["creator"] = Guid.NewGuid().ToString(),
                ["nodes"] = new JsonArray(new JsonObject { ["alias"] = "fetch", ["type"] = "http" }),
            },
        };
        return await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, Group, "v1", ns, "agentjobs");
    }

    private static Task<JsonObject> SetStateAsync(IKubernetes client, string ns, string name, string state) =>
        client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(new JsonObject { ["status"] = new JsonObject { ["state"] = state } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            Group, "v1", ns, "agentjobs", name);

    private static Task<HttpStatusCode> GetAsync(int port, string path, CancellationToken cancellationToken) =>
        Access.GetAsync(port, path, cancellationToken);
}
