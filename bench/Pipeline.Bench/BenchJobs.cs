using System.Text.Json.Nodes;
using k8s;

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
}
