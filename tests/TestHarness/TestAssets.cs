namespace AgentJobSync.TestHarness;

/// <summary>
/// Where the real components come from: <c>AGENTJOB_TEST_ASSETS</c>, else <c>&lt;repo&gt;/../shared/test-assets</c> when it
/// exists, else <c>&lt;repo&gt;/.build/test-assets</c> (the official releases <c>make deps</c> downloads); either packed
/// assets with their <c>install.sh</c> and <c>mongo-wire/ferretdb.xz</c>, or a folder of plain official binaries
/// (<c>ferretdb</c> among them). scripts/test-assets.sh resolves the same order for the scripts.
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

    /// <summary>The assets folder in the order above, as a full path.</summary>
    public static string Root => SelectRoot(Environment.GetEnvironmentVariable(Variable), RepoRoot);

    /// <summary>The repository's start/stop scripts of the MongoDB-wire server (FerretDB on PostgreSQL).</summary>
    public static string MongoWireScripts => Path.Combine(RepoRoot, "scripts", "mongo-wire");

    /// <summary>
    /// The assets folder for <paramref name="configured"/> (the variable's value, if any) and the repository at
    /// <paramref name="repoRoot"/>: the variable when set, else the shared folder next to the repository when it exists,
    /// else what <c>make deps</c> downloaded.
    /// </summary>
    internal static string SelectRoot(string? configured, string repoRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var given = Path.GetFullPath(configured);
            return Directory.Exists(given)
                ? given
                : throw new InvalidOperationException(
                    $"{Variable}={given} does not exist: point it at a folder holding install.sh or the plain binaries " +
                    "(kube-apiserver, kubectl, etcd, helm, toxiproxy-server, ferretdb)");
        }

        var shared = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "test-assets"));
        if (Directory.Exists(shared))
        {
            return shared;
        }

        var downloaded = Path.Combine(repoRoot, ".build", "test-assets");
        return Directory.Exists(downloaded)
            ? downloaded
            : throw new InvalidOperationException(
                $"no test assets: run `make deps` (downloads the official releases into {downloaded}) or set {Variable}");
    }

    /// <summary>
    /// The FerretDB binary for scripts/mongo-wire/start.sh: the packed <c>&lt;Root&gt;/mongo-wire/ferretdb.xz</c>, else a plain
    /// <c>ferretdb</c> in <see cref="BinDirAsync"/>.
    /// </summary>
    public static async Task<string> FerretDbAsync(CancellationToken cancellationToken = default) =>
        FerretDbIn(Root, await BinDirAsync(cancellationToken).ConfigureAwait(false));

    internal static string FerretDbIn(string root, string binDirectory)
    {
        var packed = Path.Combine(root, "mongo-wire", "ferretdb.xz");
        if (File.Exists(packed))
        {
            return packed;
        }

        var plain = Path.Combine(binDirectory, "ferretdb");
        return IsExecutable(plain)
            ? plain
            : throw new InvalidOperationException(
                $"no FerretDB in the test assets: neither {packed} nor an executable {plain} ({Variable}={root})");
    }

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
