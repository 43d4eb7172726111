using System.Text.Json.Nodes;

namespace AgentJobSync.TestHarness;

/// <summary>One proxy of a <see cref="Toxiproxy"/> server: a listening port in front of an upstream address.</summary>
public sealed class ToxicProxy
{
    private readonly Toxiproxy server;

    internal ToxicProxy(Toxiproxy server, string name, int port, string listen, string upstream)
    {
        this.server = server;
        Name = name;
        Port = port;
        Listen = listen;
        Upstream = upstream;
    }

    /// <summary>The proxy's name in Toxiproxy.</summary>
    public string Name { get; }

    /// <summary>The port clients connect to on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Listen { get; }

    /// <summary>Where it forwards to.</summary>
    public string Upstream { get; }

    /// <summary>Cuts every open connection and refuses new ones.</summary>
    public Task DisableAsync(CancellationToken cancellationToken = default) => SetEnabledAsync(false, cancellationToken);

    /// <summary>Accepts connections again.</summary>
    public Task EnableAsync(CancellationToken cancellationToken = default) => SetEnabledAsync(true, cancellationToken);

    /// <summary>Adds <paramref name="milliseconds"/> of latency to everything the upstream sends back.</summary>
    public async Task AddLatencyAsync(int milliseconds, CancellationToken cancellationToken = default)
    {
        var toxic = new JsonObject
        {
            ["name"] = $"latency_downstream_{Guid.NewGuid():N}",
            ["type"] = "latency",
            ["stream"] = "downstream",
            ["toxicity"] = 1.0,
            ["attributes"] = new JsonObject { ["latency"] = milliseconds, ["jitter"] = 0 },
        };
        await server.SendAsync(HttpMethod.Post, $"proxies/{Uri.EscapeDataString(Name)}/toxics", toxic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stalls every connection without closing it: whatever either side sends is swallowed (Toxiproxy's <c>timeout</c>
    /// toxic with timeout 0) until <see cref="RemoveToxicsAsync"/>. New connections are accepted and stall too.
    /// </summary>
    public async Task StallAsync(CancellationToken cancellationToken = default)
    {
        foreach (var stream in new[] { "upstream", "downstream" })
        {
            var toxic = new JsonObject
            {
                ["name"] = $"stall_{stream}_{Guid.NewGuid():N}",
                ["type"] = "timeout",
                ["stream"] = stream,
                ["toxicity"] = 1.0,
                ["attributes"] = new JsonObject { ["timeout"] = 0 },
            };
            await server.SendAsync(HttpMethod.Post, $"proxies/{Uri.EscapeDataString(Name)}/toxics", toxic, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes every connection once <paramref name="bytes"/> more bytes of replies have passed it (a connection cut in
    /// the middle of a reply), until the toxics are removed.
    /// </summary>
    public async Task AddReplyCutAsync(int bytes, CancellationToken cancellationToken = default)
    {
        var toxic = new JsonObject
        {
            ["name"] = $"limit_data_downstream_{Guid.NewGuid():N}",
            ["type"] = "limit_data",
            ["stream"] = "downstream",
            ["toxicity"] = 1.0,
            ["attributes"] = new JsonObject { ["bytes"] = bytes },
        };
        await server.SendAsync(HttpMethod.Post, $"proxies/{Uri.EscapeDataString(Name)}/toxics", toxic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes every toxic of this proxy.</summary>
    public async Task RemoveToxicsAsync(CancellationToken cancellationToken = default)
    {
        var toxics = await server.SendAsync(HttpMethod.Get, $"proxies/{Uri.EscapeDataString(Name)}/toxics", null, cancellationToken).ConfigureAwait(false);
        foreach (var toxic in toxics?.AsArray() ?? [])
        {
            var toxicName = toxic?["name"]?.GetValue<string>();
            if (toxicName is not null)
            {
                await server.SendAsync(
                    HttpMethod.Delete, $"proxies/{Uri.EscapeDataString(Name)}/toxics/{Uri.EscapeDataString(toxicName)}", null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes the proxy from the server.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default) =>
        await server.SendAsync(HttpMethod.Delete, $"proxies/{Uri.EscapeDataString(Name)}", null, cancellationToken).ConfigureAwait(false);

    private async Task SetEnabledAsync(bool enabled, CancellationToken cancellationToken) =>
        await server.SendAsync(HttpMethod.Post, $"proxies/{Uri.EscapeDataString(Name)}", new JsonObject { ["enabled"] = enabled }, cancellationToken).ConfigureAwait(false);
}
