using AgentJobSync.TestHarness;
using k8s;
using Xunit;

namespace AgentJobSync.Crd.Tests;

/// <summary>The installed CRD carries the data contract's names, scope, version, subresource and printer columns.</summary>
[Collection(CrdCollection.Name)]
public sealed class CrdContractTests(ControlPlaneFixture fixture)
{
    [Fact]
    public async Task CRD_is_installed_with_the_contract()
    {
        var crd = await fixture.Kube.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(AgentJobs.CrdName);

        Assert.Equal(AgentJobs.Group, crd.Spec.Group);
        Assert.Equal("AgentJob", crd.Spec.Names.Kind);
        Assert.Equal(AgentJobs.Plural, crd.Spec.Names.Plural);
        Assert.Equal(["aj"], crd.Spec.Names.ShortNames);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");

        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal("v1", version.Name);
        Assert.True(version.Served);
        Assert.True(version.Storage);
        Assert.NotNull(version.Subresources?.Status);
        Assert.Equal(["AgentID", "User", "State", "Age"], version.AdditionalPrinterColumns.Select(c => c.Name));
        Assert.Equal(
            [".spec.agentID", ".spec.user", ".status.state", ".metadata.creationTimestamp"],
            version.AdditionalPrinterColumns.Select(c => c.JsonPath));
    }
}
