using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace AgentJobSync.Demo;

/// <summary>Creates AgentJobs shaped like the platform's and moves their <c>status.state</c> as its job operator does.</summary>
internal sealed class SampleJobs(IKubernetes kube, string ns)
{
    private const string Group = "ea.erulabs.ai";
    private const string Version = "v1";
    private const string Plural = "agentjobs";

    public async Task<string> CreateAsync(string name, string owner, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["agentID"] = Guid.NewGuid().ToString(),
                ["name"] = "Demo " + name,
                ["user"] = owner,
                ["creator"] = owner,
                ["nodes"] = new JsonArray(
                    new JsonObject { ["alias"] = "fetch", ["type"] = "http", ["parameters"] = new JsonObject { ["url"] = "https://example.invalid" } },
                    new JsonObject { ["alias"] = "summarize", ["type"] = "llm", ["parameters"] = new JsonObject { ["model"] = "demo" } }),
                ["edges"] = new JsonArray(new JsonObject { ["from"] = new JsonArray("fetch"), ["to"] = new JsonArray("summarize") }),
            },
        };
        var created = await kube.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, Group, Version, ns, Plural, cancellationToken: ct).ConfigureAwait(false);
        return created["metadata"]!["uid"]!.GetValue<string>();
    }

    /// <summary>Writes <c>status.state</c> through the status subresource (a merge patch, as a job operator's update would land).</summary>
    public async Task SetStateAsync(string name, string state, CancellationToken ct)
    {
        var patch = new JsonObject { ["status"] = new JsonObject { ["state"] = state, ["message"] = $"demo moved the job to {state}" } };
        await kube.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Group, Version, ns, Plural, name, cancellationToken: ct).ConfigureAwait(false);
    }
}
