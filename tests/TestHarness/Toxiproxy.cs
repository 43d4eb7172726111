using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentJobSync.TestHarness;

/// <summary>
/// A Toxiproxy server (fault injection: cut, refuse or slow TCP connections) from the test assets on a free loopback
/// port, driven through its HTTP API.
/// </summary>
public sealed class Toxiproxy : IAsyncDisposable
{
    private readonly ManagedProcess process;
    private readonly string runDirectory;
    private readonly string recordPath;
    private readonly HttpClient http;
    private int disposed;

    private Toxiproxy(ManagedProcess process, string runDirectory, string recordPath, int apiPort)
    {
        this.process = process;
        this.runDirectory = runDirectory;
        this.recordPath = recordPath;
        ApiPort = apiPort;
        ApiUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{apiPort}/"));
        http = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The HTTP API's port on 127.0.0.1.</summary>
    public int ApiPort { get; }

    /// <summary>The HTTP API's base address.</summary>
    public Uri ApiUrl { get; }

    /// <summary>toxiproxy-server's PID.</summary>
    public int Pid => process.Pid;

    /// <summary>Its folder (log); deleted on dispose.</summary>
    public string Directory => Path.GetDirectoryName(process.LogPath)!;

    /// <summary>Starts toxiproxy-server and waits until <c>GET /version</c> answers.</summary>
    public static async Task<Toxiproxy> StartAsync(CancellationToken cancellationToken = default)
    {
        ProcessRegistry.ReapOrphans();
        var binary = await TestAssets.BinaryAsync("toxiproxy-server", cancellationToken).ConfigureAwait(false);
        var (runDirectory, directory) = HarnessPaths.CreateRunDirectory("toxiproxy");
        var record = ProcessRegistry.CreateRecord($"toxiproxy folder {runDirectory}");
        record.DataDirectory = runDirectory;
        var recordPath = ProcessRegistry.Register(record);
        var port = PortAllocator.GetFreeTcpPort();
        ManagedProcess? process = null;
        try
        {
            process = ManagedProcess.Start(
                binary,
                ["-host", "127.0.0.1", "-port", port.ToString(CultureInfo.InvariantCulture)],
                Path.Combine(directory, "toxiproxy.log"),
                workingDirectory: directory);
            var toxiproxy = new Toxiproxy(process, runDirectory, recordPath, port);
            try
            {
                await Eventually.UntilAsync(
                    async ct =>
                    {
                        if (process.HasExited)
                        {
                            return true;
                        }

                        using var response = await toxiproxy.http.GetAsync(new Uri("version", UriKind.Relative), ct).ConfigureAwait(false);
                        return response.IsSuccessStatusCode;
                    },
                    TimeSpan.FromSeconds(30), $"toxiproxy-server answers GET /version on port {port}", cancellationToken).ConfigureAwait(false);
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"toxiproxy-server exited; last lines:\n{process.Describe()}");
                }
            }
            catch
            {
                await toxiproxy.DisposeAsync().ConfigureAwait(false);
                process = null;
                throw;
            }

            return toxiproxy;
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
                HarnessPaths.DeleteDirectory(runDirectory);
                ProcessRegistry.Unregister(recordPath);
            }

            throw;
        }
    }

    /// <summary>Creates a proxy <paramref name="name"/> listening on a free loopback port and forwarding to <paramref name="upstreamHostPort"/>.</summary>
    public async Task<ToxicProxy> AddProxyAsync(string name, string upstreamHostPort, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(upstreamHostPort);
        var port = PortAllocator.GetFreeTcpPort();
        var listen = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
        var body = new JsonObject { ["name"] = name, ["listen"] = listen, ["upstream"] = upstreamHostPort, ["enabled"] = true };
        await SendAsync(HttpMethod.Post, "proxies", body, cancellationToken).ConfigureAwait(false);
        return new ToxicProxy(this, name, port, listen, upstreamHostPort);
    }

    /// <summary>Stops toxiproxy-server (every proxy with it) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        http.Dispose();
        await process.DisposeAsync().ConfigureAwait(false);
        HarnessPaths.DeleteDirectory(runDirectory);
        ProcessRegistry.Unregister(recordPath);
    }

    internal async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"toxiproxy {method} /{path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }
}
