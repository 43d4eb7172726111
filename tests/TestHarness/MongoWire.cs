using System.Globalization;
using System.Net;
using MongoDB.Driver;
using MongoDB.Driver.Core.Servers;

namespace AgentJobSync.TestHarness;

/// <summary>
/// The MongoDB-wire test server (FerretDB v1 on PostgreSQL 15, started by the test assets' <c>mongo-wire/start.sh</c>)
/// in a fresh data folder on free loopback ports, behind a serializing <see cref="WireProxy"/>. Everything should use
/// <see cref="Url"/> (through the proxy): FerretDB v1 loses concurrent updates of one document without it.
/// </summary>
public sealed class MongoWire : IAsyncDisposable
{
    private readonly string runDirectory;
    private readonly string recordPath;
    private readonly string stopScript;
    private readonly List<IMongoClient> clients = [];
    private readonly Lock gate = new();
    private int disposed;

    private MongoWire(string runDirectory, string dataDirectory, string recordPath, string stopScript, IPEndPoint ferretDb, int postgresPort, WireProxy proxy)
    {
        this.runDirectory = runDirectory;
        this.recordPath = recordPath;
        this.stopScript = stopScript;
        DataDirectory = dataDirectory;
        FerretDbEndPoint = ferretDb;
        PostgresPort = postgresPort;
        Proxy = proxy;
        Url = BuildUrl(proxy.Port);
        DirectUrl = BuildUrl(ferretDb.Port);
        PostgresPid = ReadPid("postgres.pid");
        FerretDbPid = ReadPid("ferretdb.pid");
    }

    /// <summary>The MongoDB URL through the serializing proxy: what tests and the service under test use.</summary>
    public string Url { get; }

    /// <summary>The MongoDB URL straight to FerretDB (loses concurrent updates of one document).</summary>
    public string DirectUrl { get; }

    /// <summary>FerretDB's address.</summary>
    public IPEndPoint FerretDbEndPoint { get; }

    /// <summary>PostgreSQL's port on 127.0.0.1.</summary>
    public int PostgresPort { get; }

    /// <summary>The serializing proxy in front of FerretDB.</summary>
    public WireProxy Proxy { get; }

    /// <summary>The folder start.sh runs in (pgdata, logs, pid files); deleted on dispose.</summary>
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

    /// <summary>Starts PostgreSQL, FerretDB and the proxy (a few seconds; share one per test run).</summary>
    public static async Task<MongoWire> StartAsync(CancellationToken cancellationToken = default)
    {
        ProcessRegistry.ReapOrphans();
        var scripts = TestAssets.MongoWireDir;
        var startScript = Path.Combine(scripts, "start.sh");
        var stopScript = Path.Combine(scripts, "stop.sh");
        if (!File.Exists(startScript) || !File.Exists(stopScript))
        {
            throw new InvalidOperationException(
                $"{scripts} lacks start.sh/stop.sh: set {TestAssets.Variable} to the test assets folder (holding mongo-wire/)");
        }

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
            };
            var result = await ScriptRunner.RunAsync(startScript, [dataDirectory], environment, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0 || result.LastStdoutLine is not { } url || !url.StartsWith("mongodb://", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{startScript} {dataDirectory} failed: {result.Describe()}");
            }

            var address = new Uri(url);
            var ferretDb = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
            proxy = WireProxy.Start(ferretDb, serialize: true);
            var wire = new MongoWire(runDirectory, dataDirectory, recordPath, stopScript, ferretDb, postgresPort, proxy);
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
        var result = await ScriptRunner.RunAsync(stopScript, [DataDirectory], null, TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
        HarnessPaths.DeleteDirectory(runDirectory);
        ProcessRegistry.Unregister(recordPath);
        if (result.ExitCode != 0)
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
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : 0;
    }
}
