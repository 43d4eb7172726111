using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.Silo.Diagnostics;
using AgentJobSync.TestHarness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace AgentJobSync.Silo.Tests;

/// <summary>What the silo's <c>/metrics</c> collects and exports, on the silo's own metrics registration.</summary>
public sealed class SiloMetricsTests
{
    [Fact]
    public async Task The_directory_cache_size_gauge_is_neither_collected_nor_exported_while_other_Orleans_gauges_are()
    {
        var builder = WebApplication.CreateBuilder();
        var port = PortAllocator.GetFreeTcpPort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddServiceDefaults();
        builder.AddSiloMetrics();
        await using var app = builder.Build();
        app.MapServiceEndpoints();

        // Instruments of Orleans' meter name, made here so the test sees whether their callbacks run.
        using var meter = new Meter("Microsoft.Orleans");
        var cacheCounted = 0;
        meter.CreateObservableGauge(SiloMetricsRegistration.DirectoryCacheSize, () => Interlocked.Increment(ref cacheCounted));
        meter.CreateObservableGauge("orleans-test-activations", () => 42);

        await app.StartAsync();
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        await app.StopAsync();

        Assert.Matches(new Regex(@"^orleans_test_activations(\{[^}]*\})? 42( |$)", RegexOptions.Multiline), body);
        Assert.DoesNotContain("orleans_directory_cache_size", body, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref cacheCounted));
    }
}
