using System.Diagnostics;
using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Routing;

/// <summary>
/// The root span of one routed change: the watch host's reconcile of a job, parent of the grain call and, through
/// Orleans' activity propagation, of the silo's database commands. Recorded only when tracing is on.
/// </summary>
public static class ReconcileTrace
{
    public const string SourceName = "AgentJobSync.WatchHost";

    /// <summary>The root span's name.</summary>
    public const string SpanName = "reconcile AgentJob";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span for routing <paramref name="job"/> (null when nothing listens).</summary>
    public static Activity? Start(AgentJob job, bool deleted)
    {
        ArgumentNullException.ThrowIfNull(job);
        var activity = Source.StartActivity(SpanName, ActivityKind.Consumer);
        activity?
            .SetTag("k8s.namespace.name", job.Namespace)
            .SetTag("agentjob.name", job.Name)
            .SetTag("agentjob.uid", job.Uid)
            .SetTag("agentjob.resource_version", job.ResourceVersion)
            .SetTag("agentjob.deleted", deleted);
        return activity;
    }
}
