namespace AgentJobSync.TestHarness;

/// <summary>
/// Where the real components come from: <c>AGENTJOB_TEST_ASSETS</c> (default <c>&lt;repo&gt;/../shared/test-assets</c>),
/// either the packed assets with their <c>install.sh</c> or a folder of plain official binaries.
/// </summary>
public static class TestAssets
{
    /// <summary>The variable that points at the test assets.</summary>
    public const string Variable = "AGENTJOB_TEST_ASSETS";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);
    private static string? binDirectory;

    /// <summary>The folder holding AgentJobSync.slnx, found upwards from the test assembly.</summary>
    public static string RepoRoot => LazyRepoRoot.Value;

    /// <summary><c>$AGENTJOB_TEST_ASSETS</c> or <c>&lt;RepoRoot&gt;/../shared/test-assets</c>, as a full path.</summary>
    public static string Root
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(Variable);
            var root = Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(RepoRoot, "..", "shared", "test-assets")
                : configured);
            return Directory.Exists(root)
                ? root
                : throw new InvalidOperationException(
                    $"test assets folder {root} does not exist: set {Variable} to the folder holding install.sh " +
                    "(or plain kube-apiserver, etcd, toxiproxy-server binaries) and mongo-wire/");
        }
    }

    /// <summary>The MongoDB-wire server's scripts: <c>&lt;Root&gt;/mongo-wire</c>.</summary>
    public static string MongoWireDir => Path.Combine(Root, "mongo-wire");

    /// <summary>
    /// The folder with kube-apiserver, etcd, kubectl, helm and toxiproxy-server: what <c>install.sh</c> prints (run once
    /// per process), or <see cref="Root"/> itself if it holds the plain binaries.
    /// </summary>
    public static async Task<string> BinDirAsync(CancellationToken cancellationToken = default)
    {
        if (binDirectory is { } cached)
        {
            return cached;
        }

        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (binDirectory is { } raced)
            {
                return raced;
            }

            var root = Root;
            var install = Path.Combine(root, "install.sh");
            string directory;
            if (File.Exists(install))
            {
                var result = await ScriptRunner.RunAsync(install, [], null, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
                if (result.ExitCode != 0 || result.LastStdoutLine is null)
                {
                    throw new InvalidOperationException($"{install} (from {Variable}={root}) failed: {result.Describe()}");
                }

                directory = result.LastStdoutLine;
            }
            else if (IsExecutable(Path.Combine(root, "kube-apiserver")))
            {
                directory = root;
            }
            else
            {
                throw new InvalidOperationException(
                    $"{Variable}={root} holds neither install.sh nor an executable kube-apiserver; put the official " +
                    "kube-apiserver, etcd and toxiproxy-server binaries there");
            }

            if (!IsExecutable(Path.Combine(directory, "kube-apiserver")))
            {
                throw new InvalidOperationException($"no executable kube-apiserver in {directory} (from {Variable}={root})");
            }

            binDirectory = directory;
            return directory;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>The full path of a binary in <see cref="BinDirAsync"/>, checked to exist.</summary>
    public static async Task<string> BinaryAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(await BinDirAsync(cancellationToken).ConfigureAwait(false), name);
        return IsExecutable(path)
            ? path
            : throw new InvalidOperationException($"no executable {name} in the test assets ({Variable}={Root})");
    }

    internal static bool IsExecutable(string path) =>
        File.Exists(path) && !OperatingSystem.IsWindows() &&
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentJobSync.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"AgentJobSync.slnx not found in {AppContext.BaseDirectory} or any folder above it; run the tests from the repository");
    }
}
