using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Model;

/// <summary>
/// The pure mapping AgentJob → <see cref="JobObservation"/> (the Go watch host's <c>observation()</c>): identity,
/// owner, descriptive spec fields, state and nodes as read; <c>Deleted</c> when the object is being or has been
/// deleted. Interpretation (states, owners, node merge) is the grain's job, so nothing is judged here.
/// </summary>
public static class ObservationTranslator
{
    /// <summary>
    /// The observation of <paramref name="job"/>; <paramref name="deleted"/> marks the final object of a deletion and
    /// <paramref name="firstSight"/> a job the grains have never been told of (see <see cref="JobObservation.FirstSight"/>).
    /// </summary>
    public static JobObservation Translate(AgentJob job, bool deleted, DateTimeOffset observedAt, bool firstSight = false)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobObservation(
            Uid: job.Uid,
            Namespace: job.Namespace,
            Name: job.Name,
            Owner: job.User,
            RawState: job.State,
            Nodes: [.. job.Nodes.Select(n => new NodeObservation(n.Alias, n.Status, n.OutputJson, n.LastUpdated))],
            CreatedAt: job.CreationTimestamp,
            AgentId: job.AgentId,
            Creator: job.Creator,
            JobName: job.JobName,
            Deleted: deleted || job.DeletionTimestamp is not null,
            ObservedAt: observedAt,
            ResourceVersion: job.ResourceVersion,
            FirstSight: firstSight);
    }
}
