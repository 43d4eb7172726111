using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Creates, moves and deletes platform-shaped AgentJobs on the real API server, as the platform does.</summary>
internal static class KubeJobs
{
    private const string Group = "ea.erulabs.ai";
    private const string Version = "v1";
    private const string Plural = "agentjobs";

    public static async Task<JsonObject> CreateAsync(IKubernetes client, string ns, string name, string? owner = "6f1c2b9e-0000-4000-8000-000000000001")
    {
        var spec = new JsonObject
        {
            ["agentID"] = Guid.NewGuid().ToString(),
            ["name"] = "Job " + name,
            ["creator"] = Guid.NewGuid().ToString(),
            ["nodes"] = new JsonArray(new JsonObject { ["alias"] = "fetch", ["type"] = "http" }),
        };
        if (owner is not null)
        {
            spec["user"] = owner;
        }

        var body = new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
        return await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, Group, Version, ns, Plural);
    }

    /// <summary>Writes <c>status.state</c> through the status subresource (a merge patch, as the job operator's update lands).</summary>
    public static Task<JsonObject> SetStateAsync(IKubernetes client, string ns, string name, string state)
    {
        var patch = new JsonObject { ["status"] = new JsonObject { ["state"] = state } };
        return client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, name);
    }

    public static Task<JsonObject> GetAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, name);

    public static Task DeleteAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, name);

    public static string Uid(JsonObject job) => job["metadata"]!["uid"]!.GetValue<string>();

    public static string ResourceVersion(JsonObject job) => job["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static long Generation(JsonObject job) => job["metadata"]!["generation"]!.GetValue<long>();

    public static string ManagedFields(JsonObject job) => job["metadata"]!["managedFields"]?.ToJsonString() ?? "";
}
