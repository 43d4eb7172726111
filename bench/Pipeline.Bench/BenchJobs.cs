using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace AgentJobSync.Bench;

/// <summary>AgentJobs shaped like the platform's, for the benchmark.</summary>
internal static class BenchJobs
{
    public const string Group = "ea.erulabs.ai";
    public const string Version = "v1";
    public const string Plural = "agentjobs";

    public static async Task<string> CreateAsync(IKubernetes kube, string ns, string name, string owner)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["agentID"] = "bench", ["name"] = name, ["user"] = owner, ["creator"] = owner },
        };
        var created = await kube.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, Group, Version, ns, Plural);
        return created["metadata"]!["uid"]!.GetValue<string>();
    }

    /// <summary>Merge-patches <c>status.state</c> of the job named <paramref name="name"/>.</summary>
    public static Task SetStateAsync(IKubernetes kube, string ns, string name, string state)
    {
        var patch = new JsonObject { ["status"] = new JsonObject { ["state"] = state, ["message"] = "bench " + state } };
        return kube.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, name);
    }

    public static Task DeleteAsync(IKubernetes kube, string ns, string name) =>
        kube.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, name);
}
