using AgentJobSync.TestHarness;
using k8s;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>The control plane's restart and its kubeconfig.</summary>
[Collection(HarnessCollection.Name)]
public sealed class ControlPlaneTests(SharedEnvironment shared)
{
    private ControlPlane Kube => shared.Environment.Kube;

    [Fact]
    public async Task After_an_API_server_restart_the_admin_client_works_and_etcd_kept_the_data()
    {
        var before = await Kube.CreateNamespaceAsync("before-restart");
        var oldPid = Kube.ApiServerPid;

        await Kube.RestartApiServerAsync();

        Assert.NotEqual(oldPid, Kube.ApiServerPid);
        Assert.False(LinuxProcess.IsRunning(oldPid), "the old API server still runs");
        await Eventually.UntilAsync(
            async ct => (await Kube.Client.CoreV1.ListNamespaceAsync(cancellationToken: ct)).Items.Any(n => n.Metadata.Name == before),
            TimeSpan.FromSeconds(30), $"namespace {before} listed after the restart");
    }

    [Fact]
    public async Task An_etcd_restart_keeps_every_acknowledged_write_and_the_API_server_serves_them_again()
    {
        // A control plane of its own: etcd goes away for a moment, which the shared one's other users must not see.
        await using var kube = await ControlPlane.StartAsync(new ControlPlaneOptions { InstallCrds = false });
        var written = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            written.Add(await kube.CreateNamespaceAsync("acknowledged"));
        }

        var oldPid = kube.EtcdPid;
        await kube.RestartEtcdAsync(TimeSpan.FromSeconds(1));

        Assert.NotEqual(oldPid, kube.EtcdPid);
        Assert.False(LinuxProcess.IsRunning(oldPid), "the old etcd still runs");
        var listed = new HashSet<string>();
        await Eventually.UntilAsync(
            async ct =>
            {
                listed = [.. (await kube.Client.CoreV1.ListNamespaceAsync(cancellationToken: ct)).Items.Select(n => n.Metadata.Name)];
                return true;
            },
            TimeSpan.FromSeconds(60), "namespaces listed after the etcd restart");
        Assert.All(written, name => Assert.Contains(name, listed));
    }

    [Fact]
    public async Task A_written_kubeconfig_with_the_CA_and_a_token_gives_a_working_client()
    {
        var path = Kube.WriteKubeconfig(Path.Combine(Kube.Directory, $"kubeconfig-{Guid.NewGuid():N}"));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        var version = await client.Version.GetCodeAsync();
        Assert.StartsWith("v1.35", version.GitVersion, StringComparison.Ordinal);

        using var byToken = Kube.CreateClient(Kube.AdminToken);
        Assert.NotEmpty((await byToken.CoreV1.ListNamespaceAsync()).Items);
    }

    [Fact]
    public async Task An_extra_user_authenticates_and_RBAC_decides_what_it_may_do()
    {
        using var viewer = Kube.CreateClient(SharedEnvironment.ViewerToken);
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => viewer.CoreV1.ListNamespaceAsync());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.Response.StatusCode);

        var review = await viewer.AuthenticationV1.CreateSelfSubjectReviewAsync(new k8s.Models.V1SelfSubjectReview());
        Assert.Equal("viewer", review.Status.UserInfo.Username);
        Assert.Contains("harness-viewers", review.Status.UserInfo.Groups);
    }

    [Fact]
    public async Task A_bad_token_is_rejected()
    {
        using var client = Kube.CreateClient("not-a-token");
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }
}
