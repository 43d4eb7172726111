using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;
using Xunit;

namespace AgentJobSync.Crd.Tests;

/// <summary>
/// Create, list, watch and status writes through the API server: the operations the watch host and the platform's job
/// operator rely on, including the conflict that makes the operator drop its write.
/// </summary>
[Collection(CrdCollection.Name)]
public sealed class LifecycleTests(ControlPlaneFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IKubernetes Client => fixture.Kube.Client;

    [Fact]
    public async Task Create_list_and_watch_see_ADDED_then_MODIFIED_after_a_status_write()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("lifecycle");
        var empty = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(AgentJobs.Group, AgentJobs.Version, ns, AgentJobs.Plural);
        Assert.Empty(empty["items"]!.AsArray());
        var fromVersion = empty["metadata"]!["resourceVersion"]!.GetValue<string>();

        // The watch starts at the list's resourceVersion, so it sees every change after it however late it connects.
        using var stop = new CancellationTokenSource(Deadline);
        var events = new List<(WatchEventType Type, string Name, string? State)>();
        var eventsGate = new Lock();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                AgentJobs.Group, AgentJobs.Version, ns, AgentJobs.Plural, resourceVersion: fromVersion, cancellationToken: stop.Token))
            {
                var job = JsonSerializer.SerializeToNode(item)!.AsObject();
                lock (eventsGate)
                {
                    events.Add((type, AgentJobs.Name(job), AgentJobs.State(job)));
                }
            }
        });

        var owner = Guid.NewGuid().ToString();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, name, owner));
        }

        var list = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(AgentJobs.Group, AgentJobs.Version, ns, AgentJobs.Plural);
        Assert.Equal(["a", "b", "c"], list["items"]!.AsArray().Select(i => AgentJobs.Name(i!.AsObject())).Order());

        var a = await AgentJobs.GetAsync(Client, ns, "a");
        a["status"] = new JsonObject { ["state"] = "executing" };
        await AgentJobs.ReplaceStatusAsync(Client, a);

        try
        {
            await Eventually.UntilAsync(
                () =>
                {
                    lock (eventsGate)
                    {
                        return events.Count(e => e.Type == WatchEventType.Added) == 3 &&
                            events.Any(e => e.Type == WatchEventType.Modified && e.Name == "a" && e.State == "executing");
                    }
                },
                Deadline, "the watch saw three ADDED and a MODIFIED with state executing");
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        }

        lock (eventsGate)
        {
            var addedA = events.FindIndex(e => e.Type == WatchEventType.Added && e.Name == "a");
            var modifiedA = events.FindIndex(e => e.Type == WatchEventType.Modified && e.Name == "a");
            Assert.True(addedA >= 0 && addedA < modifiedA, string.Join(", ", events));
        }
    }

    [Fact]
    public async Task Status_subresource_writes_change_only_status_and_plain_updates_change_only_spec()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("status-semantics");
        var created = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "job", Guid.NewGuid().ToString()));
        var specName = created["spec"]!["name"]!.GetValue<string>();
        Assert.Equal(1, AgentJobs.Generation(created));

        // A status write through the subresource ignores spec changes and does not bump generation.
        created["status"] = new JsonObject { ["state"] = "inactive" };
        created["spec"]!["name"] = "changed through status";
        var afterStatus = await AgentJobs.ReplaceStatusAsync(Client, created);
        Assert.Equal("inactive", AgentJobs.State(afterStatus));
        Assert.Equal(specName, afterStatus["spec"]!["name"]!.GetValue<string>());
        Assert.Equal(1, AgentJobs.Generation(afterStatus));

        // Server-side apply on /status (the way a careful writer would): changes state, leaves spec alone.
        var applied = await AgentJobs.ApplyStatusAsync(Client, ns, "job", new JsonObject { ["state"] = "executing", ["message"] = "applied" }, "crd-tests");
        Assert.Equal("executing", AgentJobs.State(applied));
        Assert.Equal(specName, applied["spec"]!["name"]!.GetValue<string>());
        Assert.Equal(1, AgentJobs.Generation(applied));
        Assert.Contains(
            applied["metadata"]!["managedFields"]!.AsArray(),
            f => f!["manager"]!.GetValue<string>() == "crd-tests" && f["subresource"]?.GetValue<string>() == "status");

        // A plain update of the main resource changes spec (and generation) but ignores status.
        applied["spec"]!["name"] = "renamed";
        applied["status"] = new JsonObject { ["state"] = "completed", ["message"] = "through the main resource" };
        var updated = await AgentJobs.ReplaceAsync(Client, applied);
        Assert.Equal("renamed", updated["spec"]!["name"]!.GetValue<string>());
        Assert.Equal(2, AgentJobs.Generation(updated));
        Assert.Equal("executing", AgentJobs.State(updated));
        Assert.Equal("applied", updated["status"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_with_a_stale_resourceVersion_get_409_Conflict()
    {
        // The platform's job operator updates its cached copy and drops the write on this error: any write of
        // someone else to the resource in between makes its status write fail.
        var ns = await fixture.Kube.CreateNamespaceAsync("conflict");
        var stale = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "job", Guid.NewGuid().ToString()));
        var fresh = stale.DeepClone().AsObject();
        fresh["status"] = new JsonObject { ["state"] = "inactive" };
        var afterOther = await AgentJobs.ReplaceStatusAsync(Client, fresh);
        Assert.NotEqual(AgentJobs.ResourceVersion(stale), AgentJobs.ResourceVersion(afterOther));

        stale["status"] = new JsonObject { ["state"] = "executing" };
        var statusConflict = await Assert.ThrowsAsync<HttpOperationException>(() => AgentJobs.ReplaceStatusAsync(Client, stale));
        Assert.Equal(HttpStatusCode.Conflict, statusConflict.Response.StatusCode);

        stale["spec"]!["name"] = "stale rename";
        var updateConflict = await Assert.ThrowsAsync<HttpOperationException>(() => AgentJobs.ReplaceAsync(Client, stale));
        Assert.Equal(HttpStatusCode.Conflict, updateConflict.Response.StatusCode);

        var current = await AgentJobs.GetAsync(Client, ns, "job");
        Assert.Equal("inactive", AgentJobs.State(current));
        Assert.NotEqual("stale rename", current["spec"]!["name"]!.GetValue<string>());
    }
}
