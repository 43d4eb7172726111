using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain of one AgentJob. At this stage it keeps the last observation in memory and reports
/// <see cref="SyncReason.NotPersisted"/>: persisting entries to the owner's document is the next step (see README).
/// </summary>
public sealed partial class AgentJobGrain(ILogger<AgentJobGrain> logger) : Grain, IAgentJobGrain
{
    private JobObservation? _last;

    public Task<SyncOutcome> ObserveAsync(JobObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        _last = observation;
        LogObserved(logger, observation.Uid, observation.Name, observation.Owner, observation.RawState);
        return Task.FromResult(new SyncOutcome(
            SyncReason.NotPersisted,
            PersistedState: null,
            EntryExists: false,
            RemovedByOwner: false,
            Revision: 0,
            Message: "entries are not persisted to the owner's document in this build"));
    }

    public Task<JobInspection> InspectAsync() => Task.FromResult(new JobInspection(
        this.GetPrimaryKeyString(),
        _last?.Namespace,
        _last?.Name,
        _last?.Owner,
        PersistedState: null,
        ObservedState: _last?.RawState,
        Revision: 0,
        LastReason: _last is null ? null : SyncReason.NotPersisted,
        LastError: null,
        EntryCreated: false,
        RemovedByOwner: false,
        Deleted: _last?.Deleted ?? false,
        Timeline: ImmutableArray<TimelineEntry>.Empty,
        Silo: RuntimeIdentity));

    [LoggerMessage(Level = LogLevel.Information, Message = "observed job {Uid} {Job} of user {User} in state {State}; not persisted in this build")]
    private static partial void LogObserved(ILogger logger, string uid, string job, string? user, string? state);
}
