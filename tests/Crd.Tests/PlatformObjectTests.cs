using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using Xunit;
using Xunit.Abstractions;

namespace AgentJobSync.Crd.Tests;

/// <summary>Objects shaped like the platform's are accepted and come back unpruned.</summary>
[Collection(CrdCollection.Name)]
public sealed class PlatformObjectTests(ControlPlaneFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_platform_shaped_object_and_its_status_round_trip_unpruned()
    {
        var client = fixture.Kube.Client;
        var ns = await fixture.Kube.CreateNamespaceAsync("platform-shaped");
        var spec = new JsonObject
        {
            ["agentID"] = Guid.NewGuid().ToString(),
            ["name"] = "Summarize inbox",
            ["user"] = Guid.NewGuid().ToString(),
            ["creator"] = Guid.NewGuid().ToString(),
            ["nodes"] = new JsonArray(
                new JsonObject
                {
                    ["alias"] = "a",
                    ["type"] = "llm",
                    ["parameters"] = new JsonObject
                    {
                        ["model"] = "x",
                        ["temperature"] = 0.2,
                        ["nested"] = new JsonObject { ["list"] = new JsonArray(1, "two", true), ["deeper"] = new JsonObject { ["k"] = "v" } },
                    },
                },
                new JsonObject { ["alias"] = "b", ["type"] = "http" }),
            ["edges"] = new JsonArray(new JsonObject { ["from"] = new JsonArray("a"), ["to"] = new JsonArray("b") }),
            ["metadata"] = new JsonObject { ["created_at"] = "yesterday", ["updated_at"] = "2025-01-02 03:04:06.123456 +0000 UTC" },
        };
        var job = new JsonObject
        {
            ["apiVersion"] = AgentJobs.ApiVersion,
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = "platform-shaped", ["namespace"] = ns },
            ["spec"] = spec.DeepClone(),
        };

        var created = await AgentJobs.CreateAsync(client, job);
        AssertJsonEqual(spec, created["spec"]);

        var status = new JsonObject
        {
            ["state"] = "executing",
            ["message"] = "running",
            ["nodes"] = new JsonArray(
                Node("a", "completed", new JsonObject { ["text"] = "hi", ["tokens"] = new JsonArray(1, 2, 3) }),
                Node("b", "executing", JsonValue.Create("plain string")),
                Node("c", "completed", JsonValue.Create(42.5)),
                Node("d", "completed", new JsonArray("x", 1, false, new JsonObject { ["y"] = null })),
                Node("e", "executing", null)),
        };
        created["status"] = status.DeepClone();
        var written = await AgentJobs.ReplaceStatusAsync(client, created);
        var read = await AgentJobs.GetAsync(client, ns, "platform-shaped");

        AssertJsonEqual(spec, read["spec"]);
        Assert.Equal("executing", AgentJobs.State(read));
        Assert.Equal("running", read["status"]!["message"]!.GetValue<string>());
        var nodes = read["status"]!["nodes"]!.AsArray();
        Assert.Equal(5, nodes.Count);
        for (var i = 0; i < 4; i++)
        {
            AssertJsonEqual(status["nodes"]![i], nodes[i]);
        }

        // output: null comes back as null or not at all: the API server prunes nulls of fields not marked nullable.
        var nullOutput = nodes[4]!.AsObject();
        output.WriteLine($"node with output null came back as {nullOutput.ToJsonString()}; node d: {nodes[3]!.ToJsonString()}");
        Assert.True(!nullOutput.ContainsKey("output") || nullOutput["output"] is null, nullOutput.ToJsonString());
        Assert.Equal("e", nullOutput["alias"]!.GetValue<string>());
        AssertJsonEqual(written["status"], read["status"]);
    }

    private static JsonObject Node(string alias, string state, JsonNode? output) => new()
    {
        ["alias"] = alias,
        ["status"] = state,
        ["output"] = output,
        ["lastUpdated"] = "2025-01-02T03:05:00Z",
    };

    private static void AssertJsonEqual(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");
}
