using System.Collections.Immutable;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain of one AgentJob. Orleans runs one call at a time per activation, so transitions of one job are serialized
/// here; every write to the owner's document is still guarded (id and revision) because a second activation can exist
/// for a while after a silo failure, and the guard, not single activation, is what keeps one entry per job.
/// </summary>
public sealed partial class AgentJobGrain(
    [PersistentState("job", AgentJobGrain.StorageName)] IPersistentState<AgentJobGrainState> state,
    EntrySynchronizer synchronizer,
    SyncMetrics metrics,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<AgentJobGrain> logger) : Grain, IAgentJobGrain
{
    /// <summary>The grain storage provider name the silo registers for this grain's bookkeeping.</summary>
    public const string StorageName = "agentjobs";

    // Conflicts only come from a duplicate activation saving at the same moment; a few merges settle them.
    private const int MaxSaveAttempts = 8;

    private JobObservation? _last;
    private KnownEntry? _known;

    // Facts (entry created, owner, removed, deleted, in sync or why not): saved before the call answers.
    private bool _bookkeepingDirty;

    // History (revision, persisted state, timeline): saved with the next fact, by a one-shot timer after
    // SyncOptions.HistorySaveDelay, or on deactivation, so a transition costs one database write (the entry), not two.
    private bool _historyDirty;
    private IGrainTimer? _lazySave;

    public async Task<SyncOutcome> ObserveAsync(JobObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        _last = observation;
        var book = state.State;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["uid"] = observation.Uid, ["job"] = observation.Name, ["namespace"] = observation.Namespace, ["user"] = observation.Owner });
        // What the job directory searches is saved when it changes; the entry's own facts are saved in Record.
        _bookkeepingDirty |= book.Uid != observation.Uid || book.Namespace != observation.Namespace
            || book.Name != observation.Name || book.ObservedOwner != observation.Owner;
        book.Uid = observation.Uid;
        book.Namespace = observation.Namespace;
        book.Name = observation.Name;
        book.ObservedOwner = observation.Owner;

        var outcome = await DecideAndSyncAsync(observation, book);
        if (book.LastReason != outcome.Reason)
        {
            // A change between in sync and not (or of why not) is what the directory's not-in-sync list shows.
            var wasInSync = book.LastReason is not { } last || SyncOutcome.MeansInSync(last);
            _bookkeepingDirty |= !outcome.IsInSync || !wasInSync;
            _historyDirty = true;
        }

        book.LastReason = outcome.Reason;
        book.LastError = outcome.IsInSync ? null : outcome.Message;
        // Not a reason to save by itself: it rides along with the next save, and a stale one costs one more routing.
        var settles = !observation.Deleted && SyncOutcome.Settles(outcome.Reason) && observation.ResourceVersion is not null;
        book.SettledResourceVersion = settles ? observation.ResourceVersion : null;
        book.SettledUnder = settles ? options.Value.Flags.Fingerprint : null;
        if (_bookkeepingDirty && !await TrySaveBookkeepingAsync())
        {
            // The entry is right, but what we know about it is not durable yet: the caller retries and we save again.
            // Until then this activation remembers it, so nothing is re-inserted meanwhile.
            outcome = outcome with { Reason = SyncReason.DatabaseUnavailable, Message = "the grain's bookkeeping could not be saved; retrying" };
        }

        metrics.CallHandled(outcome);
        ScheduleLazySave();

        if (!outcome.IsInSync)
        {
            LogNotInSync(logger, observation.Uid, outcome.Reason, outcome.Message);
        }

        return outcome;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_historyDirty || _bookkeepingDirty)
        {
            await TrySaveBookkeepingAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<JobInspection> InspectAsync()
    {
        var book = state.State;
        return Task.FromResult(new JobInspection(
            this.GetPrimaryKeyString(),
            book.Namespace ?? _last?.Namespace,
            book.Name ?? _last?.Name,
            book.Owner ?? _last?.Owner,
            book.PersistedState,
            _last?.RawState,
            book.Revision,
            book.LastReason,
            book.LastError,
            book.EntryCreated,
            book.RemovedByOwner,
            book.Deleted,
            [.. book.Timeline],
            RuntimeIdentity));
    }

    private async Task<SyncOutcome> DecideAndSyncAsync(JobObservation observation, AgentJobGrainState book)
    {
        if (book.RemovedByOwner)
        {
            return Outcome(book, SyncReason.EntryRemovedByOwner, "the owner removed the entry; it is not written again");
        }

        if (string.IsNullOrWhiteSpace(observation.Owner) || !Guid.TryParse(observation.Owner, out _))
        {
            return Outcome(book, SyncReason.InvalidOwner, $"spec.user \"{observation.Owner}\" is not a user id (a UUID)");
        }

        if (JobStates.Parse(observation.RawState) is not { } observed)
        {
            return Outcome(book, SyncReason.UnknownState, $"status.state \"{observation.RawState}\" is not a known state");
        }

        // Once the entry exists it belongs to the document it was created in: an edited spec.user never creates a second
        // entry in another user's document (that would show one job to two users). The entry keeps syncing where it is.
        var owner = book.EntryCreated && book.Owner is { } first ? first : observation.Owner;
        var result = await synchronizer.SyncAsync(owner, observation, observed, book.EntryCreated, _known, CancellationToken.None);
        _known = result.Known;
        Record(book, owner, observation, result);
        var outcome = result.Outcome.IsInSync || result.Outcome.Reason == SyncReason.EntryTooLarge
            ? result.Outcome
            : result.Outcome with { PersistedState = book.PersistedState, EntryExists = book.EntryCreated && !book.RemovedByOwner, Revision = book.Revision };
        if (owner != observation.Owner && outcome.IsInSync)
        {
            outcome = outcome with { Reason = SyncReason.OwnerChanged, Message = $"spec.user changed from {owner} to {observation.Owner}; the entry stays in {owner}'s document" };
        }

        return outcome;
    }

    private void Record(AgentJobGrainState book, string owner, JobObservation observation, EntrySyncResult result)
    {
        if (result.EntryPresent && (!book.EntryCreated || book.Owner != owner))
        {
            book.EntryCreated = true;
            book.Owner = owner;
            _bookkeepingDirty = true;
        }

        if (result.RemovedByOwner && !book.RemovedByOwner)
        {
            book.RemovedByOwner = true;
            _bookkeepingDirty = true;
        }

        if (result.Outcome.EntryExists && result.Outcome.Revision != book.Revision)
        {
            book.Revision = result.Outcome.Revision;
            book.PersistedState = result.Outcome.PersistedState;
            _historyDirty = true;
        }

        if (observation.Deleted && result.Outcome.EntryExists && !book.Deleted)
        {
            book.Deleted = true;
            _bookkeepingDirty = true;
        }

        if (result.Written is { } written)
        {
            book.Timeline.Add(new TimelineEntry(written, book.Revision, observation.ObservedAt, time.GetUtcNow()));
            if (book.Timeline.Count > options.Value.TimelineLength)
            {
                book.Timeline.RemoveAt(0);
            }

            metrics.TransitionPersisted(written, time.GetUtcNow() - observation.ObservedAt);
            LogPersisted(logger, observation.Uid, observation.Name, owner, written, book.Revision);
        }
    }

    private void ScheduleLazySave()
    {
        if (!_historyDirty || _lazySave is not null)
        {
            return;
        }

        _lazySave = this.RegisterGrainTimer(
            async _ =>
            {
                _lazySave?.Dispose();
                _lazySave = null;
                if (_historyDirty && !await TrySaveBookkeepingAsync())
                {
                    ScheduleLazySave();
                }
            },
            new GrainTimerCreationOptions(options.Value.HistorySaveDelay, Timeout.InfiniteTimeSpan) { KeepAlive = false, Interleave = false });
    }

    private async Task<bool> TrySaveBookkeepingAsync()
    {
        for (var attempt = 0; attempt < MaxSaveAttempts; attempt++)
        {
            try
            {
                await state.WriteStateAsync();
                _bookkeepingDirty = false;
                _historyDirty = false;
                return true;
            }
            catch (InconsistentStateException)
            {
                // Another activation of this job (a duplicate after a silo failure) saved in between: take what it knows
                // and add ours. Both only ever learn facts (entry created, removed, newer revision), so the union is right.
                var mine = state.State;
                await state.ReadStateAsync();
                Merge(state.State, mine);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogBookkeepingFailed(logger, this.GetPrimaryKeyString(), e.Message);
                return false;
            }
        }

        return false;
    }

    private static void Merge(AgentJobGrainState stored, AgentJobGrainState mine)
    {
        stored.EntryCreated |= mine.EntryCreated;
        stored.Owner ??= mine.Owner;
        stored.RemovedByOwner |= mine.RemovedByOwner;
        stored.Deleted |= mine.Deleted;
        if (mine.Revision > stored.Revision)
        {
            stored.Revision = mine.Revision;
            stored.PersistedState = mine.PersistedState;
        }

        stored.Timeline = [.. stored.Timeline.Concat(mine.Timeline).DistinctBy(t => t.Revision).OrderBy(t => t.Revision)];
        stored.LastReason = mine.LastReason;
        stored.LastError = mine.LastError;
        stored.SettledResourceVersion = mine.SettledResourceVersion;
        stored.SettledUnder = mine.SettledUnder;
        stored.Namespace = mine.Namespace;
        stored.Name = mine.Name;
        stored.Uid = mine.Uid;
        stored.ObservedOwner = mine.ObservedOwner;
    }

    private static SyncOutcome Outcome(AgentJobGrainState book, SyncReason reason, string message) =>
        new(reason, book.PersistedState, book.EntryCreated && !book.RemovedByOwner, book.RemovedByOwner, book.Revision, message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "job {Uid} {Job} of user {User}: persisted {State} at revision {Revision}")]
    private static partial void LogPersisted(ILogger logger, string uid, string job, string user, JobState state, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job {Uid} not in sync: {Reason}: {Detail}")]
    private static partial void LogNotInSync(ILogger logger, string uid, SyncReason reason, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job {Uid}: saving the grain's bookkeeping failed: {Error}")]
    private static partial void LogBookkeepingFailed(ILogger logger, string uid, string error);
}
