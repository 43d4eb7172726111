using AgentJobSync.TestHarness;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// A silo started with a bad setting exits non-zero at once with a line naming the variable, and never prints the
/// database URL's password.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class BadConfigurationTests(SiloFixture fixture)
{
    private const string Password = "Hunter2-not-for-logs";
    private const string UrlWithPassword = "mongodb://syncer:" + Password + "@127.0.0.1:27017/?authSource=admin";

    public static TheoryData<string, string, string> Cases => new()
    {
        { "DB_URL missing", "DB_URL", "DB_URL=" },
        { "DB_URL not a URL", "DB_URL", "DB_URL=mongodb://syncer:" + Password + "@127.0.0.1:notaport/" },
        { "silo port out of range", "SILO_PORT", "SILO_PORT=70000" },
        { "gateway port not a number", "GATEWAY_PORT", "GATEWAY_PORT=thirty" },
        { "unknown clustering", "CLUSTERING", "CLUSTERING=consul" },
        { "pod IP missing", "POD_IP", "POD_IP=" },
        { "kubeconfig missing", "KUBECONFIG", "KUBECONFIG=/nonexistent/kubeconfig" },
        { "shutdown longer than the grace period", "SHUTDOWN_TIMEOUT", "SHUTDOWN_TIMEOUT=00:00:40" },
        { "drain delay longer than the shutdown timeout", "DRAIN_DELAY", "DRAIN_DELAY=00:00:30" },
        { "cluster id not a label value", "CLUSTER_ID", "CLUSTER_ID=not/a label" },
        { "probe timeout out of range", "PROBE_TIMEOUT", "PROBE_TIMEOUT=00:10:00" },
        { "feature flag misspelt", "FEATURE_NODE_STATUS_UPDATES", "FEATURE_NODE_STATUS_UPDATES=flase" },
        { "feature flag as a number", "FEATURE_NEW_AGENT_JOBS", "FEATURE_NEW_AGENT_JOBS=0" },
        { "feature flag as yes", "FEATURE_COMPLETED_AGENT_JOBS", "FEATURE_COMPLETED_AGENT_JOBS=yes" },
        { "dead-silo retention shorter than 10 s", "DEFUNCT_SILO_RETENTION", "DEFUNCT_SILO_RETENTION=00:00:02" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Exits_non_zero_naming_the_variable_without_the_password(string why, string variable, string setting)
    {
        var env = SiloProcess.PodEnvironment(fixture.SiloPods, "silo-config", "config-test", "silo-config-0");
        env["DB_URL"] = UrlWithPassword;
        env["PORT"] = PortAllocator.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (name, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        env[name] = value;

        var log = Path.Combine(fixture.LogDirectory, $"config-{variable}-{Guid.NewGuid():N}.log");
        await using var process = ManagedProcess.Start("dotnet", [fixture.Apps.SiloDll], log, env);
        var exitCode = await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var lines = process.RecentLines;
        Assert.True(exitCode != 0, $"{why}: exit code 0");
        Assert.Contains(lines, l => l.TrimStart().StartsWith(variable + " ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_password_is_not_printed_when_the_configuration_is_valid_either()
    {
        // A valid start (localhost clustering, so no pod is needed) with a password in DB_URL, then SIGTERM.
        var env = new Dictionary<string, string>
        {
            ["CLUSTERING"] = "localhost",
            ["DB_URL"] = UrlWithPassword,
            ["PORT"] = PortAllocator.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SILO_PORT"] = PortAllocator.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_PORT"] = PortAllocator.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Debug",

            // Feature flags are true or false in any case.
            ["FEATURE_INACTIVE_AGENT_JOBS"] = "TRUE",
            ["FEATURE_ERROR_AGENT_JOBS"] = "False",
        };
        var log = Path.Combine(fixture.LogDirectory, $"config-valid-{Guid.NewGuid():N}.log");
        await using var process = ManagedProcess.Start("dotnet", [fixture.Apps.SiloDll], log, env, recentLineCapacity: 100_000);
        await process.WaitForOutputAsync(l => l.Contains("hosting AgentJob grains", StringComparison.Ordinal), SiloProcess.StartTimeout);
        process.Terminate();
        Assert.Equal(0, await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.NotEmpty(process.RecentLines);
        Assert.DoesNotContain(process.RecentLines, l => l.Contains(Password, StringComparison.Ordinal));
    }
}
