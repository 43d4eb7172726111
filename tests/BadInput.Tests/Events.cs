using AgentJobSync.TestHarness;
using k8s;

namespace AgentJobSync.BadInput.Tests;

/// <summary>What the service left on the Kubernetes side: events.k8s.io/v1 Events regarding a job, and writes to the job.</summary>
internal static class Events
{
    /// <summary>Warning Events regarding <paramref name="job"/> with <paramref name="reason"/> (any reason when null).</summary>
    public static async Task<int> WarningsAsync(BadInputFixture fixture, OperatorJob job, string? reason)
    {
        var events = await fixture.Kube.EventsV1.ListNamespacedEventAsync(fixture.Namespace);
        return events.Items.Count(e => e.Regarding?.Uid == job.Uid && e.Type == "Warning" && (reason is null || e.Reason == reason));
    }

    /// <summary>Why the job looks written by someone other than the driver, or null: resourceVersion and field managers.</summary>
    public static async Task<string?> WrittenByOthersAsync(BadInputFixture fixture, OperatorJob job)
    {
        var now = await fixture.Driver.GetAsync(job);
        var version = now["metadata"]!["resourceVersion"]!.GetValue<string>();
        var driverVersion = job.Cached["metadata"]!["resourceVersion"]!.GetValue<string>();
        if (version != driverVersion)
        {
            return $"{job.Name}: resourceVersion {version}, the driver's last write returned {driverVersion}";
        }

        var managers = now["metadata"]!["managedFields"]?.AsArray().Select(m => m!["manager"]?.GetValue<string>() ?? "").ToList() ?? [];
        var ours = managers.Where(m => m.Contains("agentjob-sync", StringComparison.OrdinalIgnoreCase) || m.Contains("WatchHost", StringComparison.OrdinalIgnoreCase)).ToList();
        return ours.Count > 0 ? $"{job.Name}: field managers {string.Join(",", ours)}" : null;
    }
}
