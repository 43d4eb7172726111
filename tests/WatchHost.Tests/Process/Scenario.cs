using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>One test's world: a fresh namespace (jobs and lease), its users, the job-operator driver, its watch hosts.</summary>
internal sealed class Scenario(ProcessFixture fixture, string ns)
{
    public static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(90);

    public string Namespace => ns;

    public JobOperatorDriver Driver { get; } = new(fixture.Env.Kube.Client, ns);

    public UserDocuments Users => fixture.Users;

    public IKubernetes Kube => fixture.Env.Kube.Client;

    public static async Task<Scenario> StartAsync(ProcessFixture fixture, string prefix)
    {
        var ns = await fixture.Env.Kube.CreateNamespaceAsync(prefix);
        return new Scenario(fixture, ns);
    }

    public async Task<List<string>> CreateUsersAsync(int count)
    {
        var owners = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var owner in owners)
        {
            await Users.CreateUserAsync(owner);
        }

        return owners;
    }

    /// <summary>A watch host on this namespace with the given kubeconfig (default: direct) and extra variables; waits until it is ready if it should lead.</summary>
    public Task<WatchHostProcess> StartWatchHostAsync(string? kubeconfig = null, IReadOnlyDictionary<string, string>? env = null) =>
        fixture.Cluster.StartWatchHostAsync(kubeconfig ?? fixture.Env.Kube.KubeconfigPath, ns, ns, env);

    public static Task UntilLeadingAsync(WatchHostProcess host, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            async ct => (await host.GetAsync("/readyz", ct)).Body.Contains("leader: informer synced", StringComparison.Ordinal),
            timeout ?? TimeSpan.FromSeconds(60), $"{host.Identity} leads with a synced informer");

    /// <summary>Waits until every job has exactly one entry, in its owner's document, with its state.</summary>
    public Task UntilInSyncAsync(IReadOnlyCollection<OperatorJob> jobs, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(async ct => (await OutOfSyncAsync(jobs, ct)).Count == 0, timeout ?? SyncTimeout, $"{jobs.Count} entries match their AgentJobs");

    public async Task<List<string>> OutOfSyncAsync(IReadOnlyCollection<OperatorJob> jobs, CancellationToken ct = default)
    {
        var entries = await Users.EntriesAsync(ct);
        return [.. jobs
            .Where(j => !(entries.TryGetValue(j.Uid, out var e) && e.Owner == j.Owner && UserDocuments.Status(e.Entry) == j.ExpectedStatus))
            .Select(j => j.Name)];
    }

    /// <summary>Warning Events on <paramref name="name"/> with <paramref name="reason"/>.</summary>
    public async Task<int> WarningsAsync(string name, string reason)
    {
        var events = await Kube.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}");
        return events.Items.Count(e => e.Type == "Warning" && e.Reason == reason);
    }

    /// <summary>Asserts nobody wrote <paramref name="job"/> after the driver: its resourceVersion is the driver's, and no field manager of ours exists.</summary>
    public async Task<string?> WrittenByOthersAsync(OperatorJob job)
    {
        var now = await Driver.GetAsync(job);
        var version = now["metadata"]!["resourceVersion"]!.GetValue<string>();
        var driverVersion = job.Cached["metadata"]!["resourceVersion"]!.GetValue<string>();
        var managers = now["metadata"]!["managedFields"]?.AsArray().Select(m => m!["manager"]?.GetValue<string>() ?? "").ToList() ?? [];
        if (version != driverVersion)
        {
            return $"{job.Name}: resourceVersion {version}, the driver's last write returned {driverVersion}";
        }

        var ours = managers.Where(m => m.Contains("agentjob-sync", StringComparison.OrdinalIgnoreCase) || m.Contains("WatchHost", StringComparison.OrdinalIgnoreCase)).ToList();
        return ours.Count > 0 ? $"{job.Name}: field managers {string.Join(",", ours)}" : null;
    }
}
