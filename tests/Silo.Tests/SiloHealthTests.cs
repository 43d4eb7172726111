using System.Net;
using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Silo.Tests;

/// <summary>The published silo's readiness rule on the database, made to fail: the database does not answer.</summary>
[Collection(SiloCollection.Name)]
public sealed class SiloHealthTests(SiloFixture fixture)
{
    [Fact]
    public async Task A_silo_whose_database_does_not_answer_is_alive_but_not_ready_and_says_why()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("silodb");
        const string pod = "silo-nodb";
        await Pods.CreateRunningAsync(fixture.Kube.Client, ns, pod);

        // A database URL on a port where nothing listens.
        var unreachable = MongoWire.UrlForPort(PortAllocator.GetFreeTcpPort());
        await using var silo = await SiloProcess.StartAsync(fixture.SiloPods, ns, "nodb", pod, new Dictionary<string, string> { ["DB_URL"] = unreachable });

        var body = string.Empty;
        await Eventually.UntilAsync(
            async _ =>
            {
                var (status, text) = await silo.GetAsync("/readyz");
                body = text;
                return status == HttpStatusCode.ServiceUnavailable && text.Contains("the database did not answer", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(60), "/readyz reports the database");
        Assert.DoesNotContain("mongodb://", body, StringComparison.Ordinal); // the URL is not shown
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/healthz")).Status);
    }
}
