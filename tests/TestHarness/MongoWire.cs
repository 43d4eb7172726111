using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MongoDB.Driver;
using MongoDB.Driver.Core.Servers;

namespace AgentJobSync.TestHarness;

/// <summary>
/// The MongoDB server of a test run. By default the MongoDB-wire test server (FerretDB v1 on PostgreSQL 15, started by the
/// repository's <c>scripts/mongo-wire/start.sh</c> with the test assets' FerretDB binary) in a fresh data folder on free
/// loopback ports, behind a serializing <see cref="WireProxy"/>: FerretDB v1 loses concurrent updates of one document
/// without it. With <c>AGENTJOB_TEST_MONGO_URL</c> set (<see cref="TestMongoUrl"/>), that server instead, used directly:
/// nothing is started, and <see cref="Proxy"/> is a plain pass-through front for tests that inject faults in front of it.
/// Everything should use <see cref="Url"/>; tests isolate themselves by database name.
/// </summary>
public sealed class MongoWire : IAsyncDisposable
{
    private readonly string? runDirectory;
    private readonly string? recordPath;
    private readonly string? stopScript;
    private readonly List<IMongoClient> clients = [];
    private readonly Lock gate = new();
    private int disposed;

    private MongoWire(string? runDirectory, string dataDirectory, string? recordPath, string? stopScript, IPEndPoint server, int postgresPort, WireProxy proxy, string? externalUrl)
    {
        this.runDirectory = runDirectory;
        this.recordPath = recordPath;
        this.stopScript = stopScript;
        DataDirectory = dataDirectory;
        FerretDbEndPoint = server;
        PostgresPort = postgresPort;
        Proxy = proxy;
        IsExternal = externalUrl is not null;
        Url = externalUrl ?? BuildUrl(proxy.Port);
        DirectUrl = externalUrl ?? BuildUrl(server.Port);
        PostgresPid = ReadPid("postgres.pid");
        FerretDbPid = ReadPid("ferretdb.pid");
    }

    /// <summary>True when this is the server of <c>AGENTJOB_TEST_MONGO_URL</c> (a real MongoDB), not FerretDB.</summary>
    public bool IsExternal { get; }

    /// <summary>What tests and the service under test use: FerretDB through the serializing proxy, or the external URL as given.</summary>
    public string Url { get; }

    /// <summary>The MongoDB URL straight to the server (for FerretDB: loses concurrent updates of one document).</summary>
    public string DirectUrl { get; }

    /// <summary>FerretDB's address (the external server's first host when <see cref="IsExternal"/>).</summary>
    public IPEndPoint FerretDbEndPoint { get; }

    /// <summary>PostgreSQL's port on 127.0.0.1 (0 when <see cref="IsExternal"/>).</summary>
    public int PostgresPort { get; }

    /// <summary>The serializing proxy in front of FerretDB; a pass-through front of the external server.</summary>
    public WireProxy Proxy { get; }

    /// <summary>The folder start.sh runs in (pgdata, logs, pid files); deleted on dispose. Empty when <see cref="IsExternal"/>.</summary>
    public string DataDirectory { get; }

    /// <summary>The PostgreSQL postmaster's PID.</summary>
    public int PostgresPid { get; }

    /// <summary>FerretDB's PID.</summary>
    public int FerretDbPid { get; }

    /// <summary>A client through the proxy.</summary>
    public IMongoClient Client
    {
        get
        {
            lock (gate)
            {
                return field ??= CreateClient();
            }
        }
    }

    /// <summary>The server <c>AGENTJOB_TEST_MONGO_URL</c> names, else a new FerretDB (a few seconds; share one per test run).</summary>
    public static Task<MongoWire> StartAsync(CancellationToken cancellationToken = default) =>
        TestMongoUrl.FromEnvironment() is { } url ? Task.FromResult(UseExternal(url)) : StartFerretDbAsync(cancellationToken);

    /// <summary>
    /// The server at <paramref name="url"/> as the run's database, used directly (no serializing proxy: a real MongoDB
    /// keeps concurrent updates of one document), with a pass-through <see cref="Proxy"/> to its first host.
    /// </summary>
    public static MongoWire UseExternal(string url)
    {
        var first = MongoUrl.Create(url).Servers.First();
        var address = IPAddress.TryParse(first.Host, out var literal)
            ? literal
            : Dns.GetHostAddresses(first.Host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        var server = new IPEndPoint(address, first.Port);
        return new MongoWire(runDirectory: null, dataDirectory: "", recordPath: null, stopScript: null, server, postgresPort: 0,
            WireProxy.Start(server, serialize: false), url);
    }

    /// <summary>Starts PostgreSQL, FerretDB and the serializing proxy, whatever <c>AGENTJOB_TEST_MONGO_URL</c> says.</summary>
    public static async Task<MongoWire> StartFerretDbAsync(CancellationToken cancellationToken = default)
    {
        ProcessRegistry.ReapOrphans();
        var scripts = TestAssets.MongoWireScripts;
        var startScript = Path.Combine(scripts, "start.sh");
        var stopScript = Path.Combine(scripts, "stop.sh");
        var ferretDbBinary = await TestAssets.FerretDbAsync(cancellationToken).ConfigureAwait(false);

        var (runDirectory, dataDirectory) = HarnessPaths.CreateRunDirectory("mongo");
        var record = ProcessRegistry.CreateRecord($"mongo-wire in {dataDirectory}");
        record.StopCommand = [stopScript, dataDirectory];
        record.DataDirectory = runDirectory;
        var recordPath = ProcessRegistry.Register(record);
        WireProxy? proxy = null;
        try
        {
            var postgresPort = PortAllocator.GetFreeTcpPort();
            var mongoPort = PortAllocator.GetFreeTcpPort();
            var environment = new Dictionary<string, string>
            {
                ["PG_PORT"] = postgresPort.ToString(CultureInfo.InvariantCulture),
                ["MONGO_PORT"] = mongoPort.ToString(CultureInfo.InvariantCulture),
                ["FERRETDB"] = ferretDbBinary,
            };
            var result = await ScriptRunner.RunAsync(startScript, [dataDirectory], environment, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0 || result.LastStdoutLine is not { } url || !url.StartsWith("mongodb://", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{startScript} {dataDirectory} failed: {result.Describe()}");
            }

            var address = new Uri(url);
            var ferretDb = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
            proxy = WireProxy.Start(ferretDb, serialize: true);
            var wire = new MongoWire(runDirectory, dataDirectory, recordPath, stopScript, ferretDb, postgresPort, proxy, externalUrl: null);
            return wire;
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            await ScriptRunner.RunAsync(stopScript, [dataDirectory], null, TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
            HarnessPaths.DeleteDirectory(runDirectory);
            ProcessRegistry.Unregister(recordPath);
            throw;
        }
    }

    /// <summary>
    /// The client settings the harness uses: direct connection, 10 s server selection, polling server monitoring
    /// (no streaming hello held open through the serializing proxy).
    /// </summary>
    public static MongoClientSettings CreateSettings(string url)
    {
        var settings = MongoClientSettings.FromConnectionString(url);
        settings.DirectConnection = true;
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        settings.ServerMonitoringMode = ServerMonitoringMode.Poll;
        return settings;
    }

    /// <summary>A new client for <paramref name="url"/> (default <see cref="Url"/>); disposed with this server.</summary>
    public IMongoClient CreateClient(string? url = null, Action<MongoClientSettings>? configure = null)
    {
        var settings = CreateSettings(url ?? Url);
        configure?.Invoke(settings);
        var client = new MongoClient(settings);
        lock (gate)
        {
            clients.Add(client);
        }

        return client;
    }

    /// <summary>Stops the proxy, then PostgreSQL and FerretDB (stop.sh), and deletes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        lock (gate)
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            clients.Clear();
        }

        await Proxy.DisposeAsync().ConfigureAwait(false);
        var result = stopScript is null
            ? null
            : await ScriptRunner.RunAsync(stopScript, [DataDirectory], null, TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
        if (runDirectory is not null && recordPath is not null)
        {
            HarnessPaths.DeleteDirectory(runDirectory);
            ProcessRegistry.Unregister(recordPath);
        }

        if (result is { ExitCode: not 0 })
        {
            throw new InvalidOperationException($"{stopScript} {DataDirectory} failed: {result.Describe()}");
        }
    }

    /// <summary>The URL of another front (e.g. a fault proxy) listening on <paramref name="port"/> of 127.0.0.1.</summary>
    public static string UrlForPort(int port) => BuildUrl(port);

    private static string BuildUrl(int port) =>
        string.Create(CultureInfo.InvariantCulture, $"mongodb://127.0.0.1:{port}/?directConnection=true&serverMonitoringMode=poll");

    private int ReadPid(string file)
    {
        var path = Path.Combine(DataDirectory, file);
        return !IsExternal && File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : 0;
    }
}
