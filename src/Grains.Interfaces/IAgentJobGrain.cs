using Orleans.Concurrency;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain of one AgentJob, keyed by the job's <c>metadata.uid</c>. It serializes the job's transitions
/// and persists them to the entry in its owner's user document.
/// </summary>
public interface IAgentJobGrain : IGrainWithStringKey
{
    /// <summary>Applies one observation of the job and reports what was persisted.</summary>
    Task<SyncOutcome> ObserveAsync(JobObservation observation);

    /// <summary>What the grain knows about its job, without changing anything.</summary>
    [ReadOnly]
    Task<JobInspection> InspectAsync();
}
