using System.Text.Json.Nodes;
using AgentJobSync.TestHarness;
using k8s;
using Xunit;

namespace AgentJobSync.Crd.Tests;

/// <summary>
/// The platform's CRD deliberately does not validate the owner or the state: these objects are accepted, and the
/// service must report them itself (the previous implementation's CRD rejected the first three).
/// </summary>
[Collection(CrdCollection.Name)]
public sealed class AcceptedObjectsTests(ControlPlaneFixture fixture)
{
    private IKubernetes Client => fixture.Kube.Client;

    [Fact]
    public async Task An_AgentJob_without_spec_user_is_accepted()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("no-user");
        var created = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "no-user", owner: null));
        Assert.False(created["spec"]!.AsObject().ContainsKey("user"));
    }

    [Fact]
    public async Task An_AgentJob_with_an_empty_spec_user_is_accepted()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("empty-user");
        var created = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "empty-user", owner: string.Empty));
        Assert.Equal(string.Empty, created["spec"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Changing_spec_user_is_accepted()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("changed-user");
        var created = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "changed-user", Guid.NewGuid().ToString()));
        var newOwner = Guid.NewGuid().ToString();
        created["spec"]!["user"] = newOwner;

        var updated = await AgentJobs.ReplaceAsync(Client, created);

        Assert.Equal(newOwner, updated["spec"]!["user"]!.GetValue<string>());
        Assert.Equal(newOwner, (await AgentJobs.GetAsync(Client, ns, "changed-user"))["spec"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_state_string_is_accepted()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("unknown-state");
        var created = await AgentJobs.CreateAsync(Client, AgentJobs.New(ns, "unknown-state", Guid.NewGuid().ToString()));
        created["status"] = new JsonObject { ["state"] = "Paused-By-Someone 🙂" };

        var written = await AgentJobs.ReplaceStatusAsync(Client, created);

        Assert.Equal("Paused-By-Someone 🙂", AgentJobs.State(written));
    }
}
