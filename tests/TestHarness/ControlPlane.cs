using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.TestHarness;

/// <summary>
/// A real Kubernetes API server (kube-apiserver + etcd from the test assets) on free loopback ports, with a static
/// admin token, the repository's CRDs installed and an admin kubeconfig. No kubelet, scheduler or controller manager.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly string runDirectory;
    private readonly string directory;
    private readonly string apiServerBinary;
    private readonly IReadOnlyList<string> apiServerArguments;
    private readonly TimeSpan readyTimeout;
    private readonly string recordPath;
    private readonly SemaphoreSlim apiServerGate = new(1, 1);
    private readonly SemaphoreSlim etcdGate = new(1, 1);
    private readonly string etcdBinary;
    private readonly IReadOnlyList<string> etcdArguments;
    private ManagedProcess etcd;
    private ManagedProcess? apiServer;
    private Kubernetes? client;
    private int disposed;

    private ControlPlane(
        string runDirectory, string directory, string recordPath, ManagedProcess etcd, string etcdBinary, IReadOnlyList<string> etcdArguments,
        string apiServerBinary, IReadOnlyList<string> apiServerArguments, int apiServerPort, int etcdPort, string adminToken, TimeSpan readyTimeout)
    {
        this.etcdBinary = etcdBinary;
        this.etcdArguments = etcdArguments;
        this.runDirectory = runDirectory;
        this.directory = directory;
        this.recordPath = recordPath;
        this.etcd = etcd;
        this.apiServerBinary = apiServerBinary;
        this.apiServerArguments = apiServerArguments;
        this.readyTimeout = readyTimeout;
        ApiServerPort = apiServerPort;
        EtcdPort = etcdPort;
        AdminToken = adminToken;
        ServerUrl = string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{apiServerPort}");
        KubeconfigPath = Path.Combine(directory, "kubeconfig");
    }

    /// <summary>The API server's secure port on 127.0.0.1.</summary>
    public int ApiServerPort { get; }

    /// <summary>etcd's client port on 127.0.0.1.</summary>
    public int EtcdPort { get; }

    /// <summary><c>https://127.0.0.1:PORT</c>.</summary>
    public string ServerUrl { get; }

    /// <summary>The bearer token of user admin (group system:masters).</summary>
    public string AdminToken { get; }

    /// <summary>An admin kubeconfig (server, CA, token) for processes and tools.</summary>
    public string KubeconfigPath { get; }

    /// <summary>This control plane's folder (etcd data, certificates, token file, logs); deleted on dispose.</summary>
    public string Directory => directory;

    /// <summary>The admin client configuration, read from <see cref="KubeconfigPath"/>.</summary>
    public KubernetesClientConfiguration ClientConfiguration { get; private set; } = null!;

    /// <summary>An admin client.</summary>
    public IKubernetes Client => client ?? throw new ObjectDisposedException(nameof(ControlPlane));

    /// <summary>The running etcd's PID.</summary>
    public int EtcdPid => etcd.Pid;

    /// <summary>The running API server's PID (0 while it is stopped).</summary>
    public int ApiServerPid => apiServer?.Pid ?? 0;

    /// <summary>The API server's log file (of the current run of it).</summary>
    public string? ApiServerLogPath => apiServer?.LogPath;

    /// <summary>Starts etcd and kube-apiserver, waits for /readyz and installs the CRDs (unless told not to).</summary>
    public static async Task<ControlPlane> StartAsync(ControlPlaneOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ControlPlaneOptions();
        ProcessRegistry.ReapOrphans();
        var etcdBinary = await TestAssets.BinaryAsync("etcd", cancellationToken).ConfigureAwait(false);
        var apiServerBinary = await TestAssets.BinaryAsync("kube-apiserver", cancellationToken).ConfigureAwait(false);

        var (runDirectory, directory) = HarnessPaths.CreateRunDirectory("kube");
        var record = ProcessRegistry.CreateRecord($"control plane folder {runDirectory}");
        record.DataDirectory = runDirectory;
        var recordPath = ProcessRegistry.Register(record);
        ManagedProcess? etcd = null;
        ControlPlane? plane = null;
        try
        {
            var etcdPort = PortAllocator.GetFreeTcpPort();
            var peerPort = PortAllocator.GetFreeTcpPort();
            var apiServerPort = PortAllocator.GetFreeTcpPort();
            var etcdUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{etcdPort}");
            string[] etcdArguments =
            [
                "--data-dir", Path.Combine(directory, "etcd"),
                "--listen-client-urls", etcdUrl,
                "--advertise-client-urls", etcdUrl,
                "--listen-peer-urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{peerPort}"),
                "--unsafe-no-fsync",
            ];
            etcd = ManagedProcess.Start(etcdBinary, etcdArguments, Path.Combine(directory, "etcd.log"), workingDirectory: directory);

            var token = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var tokens = new StringBuilder();
            tokens.Append(ControlPlaneOptions.UserLine(token, "admin", "admin-uid", "system:masters")).Append('\n');
            foreach (var line in options.ExtraUsers)
            {
                tokens.Append(line).Append('\n');
            }

            var tokenFile = Path.Combine(directory, "tokens.csv");
            await File.WriteAllTextAsync(tokenFile, tokens.ToString(), cancellationToken).ConfigureAwait(false);
            using (var key = RSA.Create(2048))
            {
                await File.WriteAllTextAsync(Path.Combine(directory, "sa.key"), key.ExportRSAPrivateKeyPem(), cancellationToken).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(directory, "sa.pub"), key.ExportSubjectPublicKeyInfoPem(), cancellationToken).ConfigureAwait(false);
            }

            string[] apiServerArguments =
            [
                $"--etcd-servers={etcdUrl}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                string.Create(CultureInfo.InvariantCulture, $"--secure-port={apiServerPort}"),
                $"--cert-dir={Path.Combine(directory, "certs")}",
                $"--token-auth-file={tokenFile}",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                $"--service-account-key-file={Path.Combine(directory, "sa.pub")}",
                $"--service-account-signing-key-file={Path.Combine(directory, "sa.key")}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--disable-admission-plugins=ServiceAccount",
            ];
            plane = new ControlPlane(runDirectory, directory, recordPath, etcd, etcdBinary, etcdArguments, apiServerBinary, apiServerArguments,
                apiServerPort, etcdPort, token, options.ReadyTimeout);
            await plane.WaitForEtcdAsync(cancellationToken).ConfigureAwait(false);
            await plane.StartApiServerAsync(cancellationToken).ConfigureAwait(false);
            plane.WriteKubeconfig(plane.KubeconfigPath);
            plane.ClientConfiguration = KubernetesClientConfiguration.BuildConfigFromConfigFile(plane.KubeconfigPath);
            plane.client = new Kubernetes(plane.ClientConfiguration);
            if (options.InstallCrds)
            {
                await plane.InstallCrdsAsync(Path.Combine(TestAssets.RepoRoot, "k8s", "crd"), cancellationToken).ConfigureAwait(false);
            }

            return plane;
        }
        catch
        {
            if (plane is not null)
            {
                await plane.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (etcd is not null)
                {
                    etcd.Kill();
                    await etcd.DisposeAsync().ConfigureAwait(false);
                }

                HarnessPaths.DeleteDirectory(runDirectory);
                ProcessRegistry.Unregister(recordPath);
            }

            throw;
        }
    }

    /// <summary>A client that authenticates with <paramref name="token"/> (a line of the token file); the caller disposes it.</summary>
    public IKubernetes CreateClient(string token)
    {
        var configuration = new KubernetesClientConfiguration
        {
            Host = ServerUrl,
            AccessToken = token,
            SslCaCerts = ClientConfiguration.SslCaCerts,
            SkipTlsVerify = ClientConfiguration.SkipTlsVerify,
        };
        return new Kubernetes(configuration);
    }

    /// <summary>
    /// Writes a kubeconfig to <paramref name="path"/> for <paramref name="serverUrl"/> (default <see cref="ServerUrl"/>;
    /// e.g. a fault proxy in front of the API server on 127.0.0.1) and <paramref name="token"/> (default admin).
    /// </summary>
    public string WriteKubeconfig(string path, string? serverUrl = null, string? token = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var ca = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(directory, "certs", "apiserver.crt")));
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: agentjob-test
              cluster:
                server: {serverUrl ?? ServerUrl}
                certificate-authority-data: {ca}
            users:
            - name: agentjob-test-user
              user:
                token: {token ?? AdminToken}
            contexts:
            - name: agentjob-test
              context:
                cluster: agentjob-test
                user: agentjob-test-user
                namespace: default
            current-context: agentjob-test

            """;
        var full = Path.GetFullPath(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, yaml);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return full;
    }

    /// <summary>
    /// Creates every CustomResourceDefinition in the YAML files of <paramref name="crdDirectory"/> (kustomization.yaml
    /// skipped; an existing one is replaced) and waits until each is Established and served.
    /// </summary>
    public async Task InstallCrdsAsync(string crdDirectory, CancellationToken cancellationToken = default)
    {
        var files = System.IO.Directory.EnumerateFiles(crdDirectory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Where(f => !Path.GetFileName(f).StartsWith("kustomization.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var crds = new List<V1CustomResourceDefinition>();
        foreach (var file in files)
        {
            foreach (var item in await KubernetesYaml.LoadAllFromFileAsync(file).ConfigureAwait(false))
            {
                crds.Add(item as V1CustomResourceDefinition
                    ?? throw new InvalidOperationException($"{file} holds a {item.GetType().Name}, not a CustomResourceDefinition"));
            }
        }

        foreach (var crd in crds)
        {
            try
            {
                await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                var existing = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await Client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var crd in crds)
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    var current = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
                    return current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
                },
                TimeSpan.FromSeconds(30), $"CRD {crd.Metadata.Name} Established", cancellationToken).ConfigureAwait(false);
            foreach (var version in crd.Spec.Versions.Where(v => v.Served))
            {
                await Eventually.UntilAsync(
                    async ct =>
                    {
                        await Client.CustomObjects.ListClusterCustomObjectAsync(
                            crd.Spec.Group, version.Name, crd.Spec.Names.Plural, limit: 1, cancellationToken: ct).ConfigureAwait(false);
                        return true;
                    },
                    TimeSpan.FromSeconds(30), $"{crd.Spec.Names.Plural}.{crd.Spec.Group}/{version.Name} served", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Creates a namespace <c>&lt;prefix&gt;-&lt;random&gt;</c> and returns its name.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var clean = new string([.. (prefix ?? "t").ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (clean.Length == 0)
        {
            clean = "t";
        }

        var name = $"{clean[..Math.Min(clean.Length, 50)].TrimEnd('-')}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>SIGKILLs the API server and starts it again on the same port with the same flags; etcd keeps running.</summary>
    public async Task RestartApiServerAsync(CancellationToken cancellationToken = default)
    {
        await StopApiServerAsync().ConfigureAwait(false);
        await StartApiServerAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGKILLs the API server and waits until it has exited.</summary>
    public async Task StopApiServerAsync()
    {
        await apiServerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (apiServer is { } running)
            {
                apiServer = null;
                running.Kill();
                await running.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            apiServerGate.Release();
        }
    }

    /// <summary>
    /// SIGKILLs etcd, keeps it down for <paramref name="downtime"/> (the API server stays up and answers errors
    /// meanwhile), starts it again on the same data and ports and waits until it is healthy.
    /// </summary>
    public async Task RestartEtcdAsync(TimeSpan downtime, CancellationToken cancellationToken = default)
    {
        await etcdGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            etcd.Kill();
            await etcd.DisposeAsync().ConfigureAwait(false);
            await Task.Delay(downtime, cancellationToken).ConfigureAwait(false);
            etcd = ManagedProcess.Start(etcdBinary, etcdArguments, Path.Combine(directory, "etcd.log"), workingDirectory: directory);
            await WaitForEtcdAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            etcdGate.Release();
        }
    }

    /// <summary>Starts the API server (if stopped) and waits until /readyz answers 200.</summary>
    public async Task StartApiServerAsync(CancellationToken cancellationToken = default)
    {
        await apiServerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (apiServer is not null)
            {
                return;
            }

            var started = ManagedProcess.Start(apiServerBinary, apiServerArguments, Path.Combine(directory, "kube-apiserver.log"), workingDirectory: directory);
            apiServer = started;
            await WaitForApiServerAsync(started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            apiServerGate.Release();
        }
    }

    /// <summary>Kills the API server, then etcd, and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        client?.Dispose();
        client = null;
        await StopApiServerAsync().ConfigureAwait(false);
        etcd.Kill();
        await etcd.DisposeAsync().ConfigureAwait(false);
        HarnessPaths.DeleteDirectory(runDirectory);
        ProcessRegistry.Unregister(recordPath);
        apiServerGate.Dispose();
        etcdGate.Dispose();
    }

    private static HttpClient CreateProbeClient(string? token)
    {
        var handler = new SocketsHttpHandler
        {
            // A probe of our own self-signed test server; never used for anything else.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    private async Task WaitForEtcdAsync(CancellationToken cancellationToken)
    {
        using var http = CreateProbeClient(null);
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{EtcdPort}/health");
        await Eventually.UntilAsync(
            async ct =>
            {
                if (etcd.HasExited)
                {
                    return true;
                }

                using var response = await http.GetAsync(new Uri(url), ct).ConfigureAwait(false);
                return response.IsSuccessStatusCode &&
                    (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Contains("\"true\"", StringComparison.Ordinal);
            },
            readyTimeout, $"etcd healthy at {url} (log {etcd.LogPath})", cancellationToken).ConfigureAwait(false);
        if (etcd.HasExited)
        {
            throw new InvalidOperationException($"etcd exited; last lines:\n{etcd.Describe()}");
        }
    }

    private async Task WaitForApiServerAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        using var http = CreateProbeClient(AdminToken);
        var url = new Uri(ServerUrl + "/readyz");
        string? lastAnswer = null;
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    if (process.HasExited)
                    {
                        return true;
                    }

                    using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
                    lastAnswer = string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode}");
                    return response.StatusCode == HttpStatusCode.OK;
                },
                readyTimeout, $"kube-apiserver /readyz = 200 (log {process.LogPath})", cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status {lastAnswer ?? "none"}; last lines:\n{process.Describe()}", e);
        }

        if (process.HasExited)
        {
            throw new InvalidOperationException($"kube-apiserver exited; last lines:\n{process.Describe()}");
        }
    }
}
