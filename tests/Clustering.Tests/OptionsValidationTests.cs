using AgentJobSync.Clustering.Kubernetes.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace AgentJobSync.Clustering.Tests;

/// <summary>Bad membership settings stop the silo at start, each named, before any API call.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task A_silo_with_unusable_membership_settings_does_not_start_and_names_each_setting()
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleans(silo => silo
                .Configure<ClusterOptions>(o => o.ClusterId = "validation")
                .UseKubernetesMembership(o =>
                {
                    o.Namespace = "Not_A_Namespace";
                    o.Group = "nodot";
                    o.KubeconfigPath = "/nonexistent/kubeconfig";
                    o.MaxAttempts = 0;
                }))
            .Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("Namespace", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Group", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("KubeconfigPath", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxAttempts", StringComparison.Ordinal));
    }
}
