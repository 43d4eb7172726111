using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace AgentJobSync.Crd.Tests;

/// <summary>The platform's AgentJob resource as plain JSON, and the calls the tests make on it.</summary>
internal static class AgentJobs
{
    public const string Group = "ea.erulabs.ai";
    public const string Version = "v1";
    public const string Plural = "agentjobs";
    public const string ApiVersion = Group + "/" + Version;
    public const string CrdName = Plural + "." + Group;

    /// <summary>A platform-shaped AgentJob for <paramref name="owner"/>, like the job API creates.</summary>
    public static JsonObject New(string ns, string name, string? owner) => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = "AgentJob",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = Spec(owner),
    };

    public static JsonObject Spec(string? owner)
    {
        var spec = new JsonObject
        {
            ["agentID"] = Guid.NewGuid().ToString(),
            ["name"] = "Job " + Guid.NewGuid().ToString("N")[..6],
            ["creator"] = Guid.NewGuid().ToString(),
            ["nodes"] = new JsonArray(
                new JsonObject { ["alias"] = "fetch", ["type"] = "http" },
                new JsonObject { ["alias"] = "summarize", ["type"] = "llm" }),
            ["edges"] = new JsonArray(new JsonObject { ["from"] = new JsonArray("fetch"), ["to"] = new JsonArray("summarize") }),
            ["metadata"] = new JsonObject { ["created_at"] = DateTime.UtcNow.ToString("O") },
        };
        if (owner is not null)
        {
            spec["user"] = owner;
        }

        return spec;
    }

    public static Task<JsonObject> CreateAsync(IKubernetes client, JsonObject job) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(job, Group, Version, Namespace(job), Plural);

    public static Task<JsonObject> GetAsync(IKubernetes client, string ns, string name) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, name);

    public static Task<JsonObject> ReplaceAsync(IKubernetes client, JsonObject job) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(job, Group, Version, Namespace(job), Plural, Name(job));

    public static Task<JsonObject> ReplaceStatusAsync(IKubernetes client, JsonObject job) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<JsonObject>(job, Group, Version, Namespace(job), Plural, Name(job));

    /// <summary>Server-side apply of <paramref name="status"/> on the status subresource, forcing ownership.</summary>
    public static Task<JsonObject> ApplyStatusAsync(IKubernetes client, string ns, string name, JsonObject status, string fieldManager)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["status"] = status,
        };
        // JSON is YAML: the apply content type takes it as is.
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch);
        return client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            patch, Group, Version, ns, Plural, name, fieldManager: fieldManager, force: true);
    }

    public static string Name(JsonObject job) => job["metadata"]!["name"]!.GetValue<string>();

    public static string Namespace(JsonObject job) => job["metadata"]!["namespace"]!.GetValue<string>();

    public static string ResourceVersion(JsonObject job) => job["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static long Generation(JsonObject job) => job["metadata"]!["generation"]!.GetValue<long>();

    public static string? State(JsonObject job) => job["status"]?["state"]?.GetValue<string>();
}
