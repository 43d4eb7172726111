using System.Security.Cryptography;

namespace AgentJobSync.TestHarness;

/// <summary>Everything an integration test needs, started in parallel: a control plane, the MongoDB-wire server and optionally Toxiproxy.</summary>
public sealed class TestEnvironment : IAsyncDisposable
{
    private static int databaseCounter;
    private int disposed;

    private TestEnvironment(ControlPlane kube, MongoWire mongo, Toxiproxy? faults)
    {
        Kube = kube;
        Mongo = mongo;
        Faults = faults;
    }

    /// <summary>The API server with the CRDs installed.</summary>
    public ControlPlane Kube { get; }

    /// <summary>The MongoDB server: FerretDB behind its serializing proxy, or the one <c>AGENTJOB_TEST_MONGO_URL</c> names.</summary>
    public MongoWire Mongo { get; }

    /// <summary>Toxiproxy, if asked for.</summary>
    public Toxiproxy? Faults { get; }

    /// <summary>Starts the components in parallel; if one fails, the others are stopped again.</summary>
    public static Task<TestEnvironment> StartAsync(bool withToxiproxy = false, CancellationToken cancellationToken = default) =>
        StartAsync(new ControlPlaneOptions(), withToxiproxy, cancellationToken);

    /// <summary>The same with a control plane set up by <paramref name="controlPlane"/> (e.g. more users).</summary>
    public static async Task<TestEnvironment> StartAsync(
        ControlPlaneOptions controlPlane, bool withToxiproxy = false, CancellationToken cancellationToken = default,
        DatabaseChoice database = DatabaseChoice.Selected)
    {
        var kube = ControlPlane.StartAsync(controlPlane, cancellationToken);
        var mongo = database == DatabaseChoice.FerretDb ? MongoWire.StartFerretDbAsync(cancellationToken) : MongoWire.StartAsync(cancellationToken);
        var faults = withToxiproxy ? Toxiproxy.StartAsync(cancellationToken) : Task.FromResult<Toxiproxy>(null!);
        try
        {
            await Task.WhenAll(kube, mongo, faults).ConfigureAwait(false);
        }
        catch
        {
            foreach (var task in new Task<IAsyncDisposable>[] { Up(kube), Up(mongo), Up(faults) })
            {
                try
                {
                    if (await task.ConfigureAwait(false) is { } started)
                    {
                        await started.DisposeAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception)
                {
                    // this one failed to start; the first failure is what the caller sees
                }
            }

            throw;
        }

        return new TestEnvironment(kube.Result, mongo.Result, withToxiproxy ? faults.Result : null);
    }

    /// <summary>A database name unique to this test run and call: <c>&lt;prefix&gt;_&lt;n&gt;_&lt;random&gt;</c>.</summary>
    public static string NewDatabaseName(string prefix)
    {
        var clean = new string([.. (prefix ?? "db").Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_')]);
        if (clean.Length > 40)
        {
            clean = clean[..40];
        }

        return $"{clean}_{Interlocked.Increment(ref databaseCounter)}_{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
    }

    /// <summary>Stops everything (in parallel).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        var stops = new List<Task> { Kube.DisposeAsync().AsTask(), Mongo.DisposeAsync().AsTask() };
        if (Faults is not null)
        {
            stops.Add(Faults.DisposeAsync().AsTask());
        }

        await Task.WhenAll(stops).ConfigureAwait(false);
    }

    private static async Task<IAsyncDisposable> Up<T>(Task<T> task)
        where T : class, IAsyncDisposable => await task.ConfigureAwait(false);
}
