using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain of one AgentJob. Orleans runs one call at a time per activation, so transitions of one job are serialized
/// here; every write to the owner's document is still guarded (id and revision) because a second activation can exist
/// for a while after a silo failure, and the guard, not single activation, is what keeps one entry per job. Before the
/// one insert of a job's entry the grain saves which document it goes to (<see cref="IEntryBookkeeping.ClaimInsertAsync"/>),
/// guarded by the state's ETag, so a stale duplicate activation learns of an entry another one created (and the owner
/// may have removed), and an edited <c>spec.user</c> finds the entry's document even when the save after the insert was lost.
/// </summary>
public sealed partial class AgentJobGrain(
    IGrainContext context,
    EntrySynchronizer synchronizer,
    SyncMetrics metrics,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<AgentJobGrain> logger) : Grain, IAgentJobGrain, IEntryBookkeeping
{
    /// <summary>The grain storage provider name the silo registers for this grain's bookkeeping.</summary>
    public const string StorageName = "agentjobs";

    // Conflicts only come from a duplicate activation saving at the same moment; a few merges settle them.
    private const int MaxSaveAttempts = 8;

    private readonly BookkeepingRecord _record = new(context.ActivationServices, context.GrainId);
    private JobObservation? _last;
    private KnownEntry? _known;

    // Facts (entry created, owner, removed, deleted, in sync or why not): saved before the call answers.
    private bool _bookkeepingDirty;

    // History (revision, persisted state, timeline): saved with the next fact, by a one-shot timer after
    // SyncOptions.HistorySaveDelay, or on deactivation, so a transition costs one database write (the entry), not two.
    private bool _historyDirty;
    private IGrainTimer? _lazySave;

    // Always the current object: a save that merges another activation's bookkeeping replaces it.
    private AgentJobGrainState Book => _record.State;

    string? IEntryBookkeeping.Owner => Book.Owner;

    bool IEntryBookkeeping.EntryCreated => Book.EntryCreated;

    public async Task<SyncOutcome> ObserveAsync(JobObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        _last = observation;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["uid"] = observation.Uid, ["job"] = observation.Name, ["namespace"] = observation.Namespace, ["user"] = observation.Owner });
        SyncOutcome outcome;
        try
        {
            // A job the watch host routes for the first time most likely has no bookkeeping yet: its read is skipped,
            // and the first save (which can then only create the record) finds out if there is one after all.
            if (!_record.Loaded && !observation.FirstSight)
            {
                await _record.ReadAsync();
            }

            outcome = await ObserveCoreAsync(observation);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing escapes to the caller: a database error is classified, anything else is a fault of ours, logged with
            // its stack and reported as permanent for this version of the job.
            _known = null;
            outcome = FailedOutcome(e, "syncing the entry failed");
        }

        metrics.CallHandled(outcome);
        if (observation.Deleted && Book.Deleted && outcome.IsInSync)
        {
            // The job is gone and its deletion is recorded: nothing more will happen to it. Without this the activation
            // stays for the collection age (15 minutes by default), memory held for every job deleted in that time;
            // the history still dirty is saved on the way out (OnDeactivateAsync), and a replay reactivates it.
            DeactivateOnIdle();
            return outcome;
        }

        ScheduleLazySave();
        if (!outcome.IsInSync)
        {
            // The watch host reports it (one Warning and one Event per change of reason); here it is detail.
            LogNotInSync(logger, observation.Uid, outcome.Reason, outcome.Message);
        }

        return outcome;
    }

    private async Task<SyncOutcome> ObserveCoreAsync(JobObservation observation)
    {
        // What the job directory searches is saved when it changes; the entry's own facts are saved in Record.
        _bookkeepingDirty |= Book.Uid != observation.Uid || Book.Namespace != observation.Namespace
            || Book.Name != observation.Name || Book.ObservedOwner != observation.Owner;
        Book.Uid = observation.Uid;
        Book.Namespace = observation.Namespace;
        Book.Name = observation.Name;
        Book.ObservedOwner = observation.Owner;

        var wasDeleted = Book.Deleted;
        var outcome = await DecideAndSyncAsync(observation);
        var book = Book;
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
        if (_bookkeepingDirty && await TrySaveBookkeepingAsync() is { } failure)
        {
            // The entry is right, but what we know about it is not durable yet: the caller retries (or parks a permanent
            // refusal) and we save again. Until then this activation remembers it, so nothing is re-inserted meanwhile.
            outcome = FailedOutcome(failure, "the grain's bookkeeping could not be saved");
        }
        else if (outcome.Reason == SyncReason.UserRemoved && !wasDeleted)
        {
            LogSettledWithoutUser(logger, observation.Uid, observation.Namespace, observation.Name, Book.Owner ?? observation.Owner ?? "");
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

    public async Task<JobInspection> InspectAsync()
    {
        await LoadAsync();
        var book = Book;
        return new JobInspection(
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
            RuntimeIdentity);
    }

    // Reads the bookkeeping if this activation has not, keeping what it learned meanwhile (merged as after a conflict).
    private async Task LoadAsync()
    {
        if (!_record.Loaded)
        {
            await ReadMergingAsync();
        }
    }

    // Reads the stored bookkeeping and adds what this activation knows to it. Both only ever learn facts (entry created,
    // removed, newer revision), so the union is right.
    private async Task ReadMergingAsync()
    {
        var mine = _record.State;
        await _record.ReadAsync();
        Merge(_record.State, mine);
    }

    async Task<bool> IEntryBookkeeping.ClaimInsertAsync(string owner, CancellationToken cancellationToken)
    {
        Book.Owner ??= owner;
        try
        {
            return !await SaveBookkeepingAsync();
        }
        catch (OrleansException e) when (e is not InconsistentStateException && e.InnerException is { } inner && EntrySynchronizer.IsDatabaseError(inner))
        {
            // The storage bridge wraps the driver's error; the synchronizer classifies and retries the driver's own.
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    private async Task<SyncOutcome> DecideAndSyncAsync(JobObservation observation)
    {
        if (Book.RemovedByOwner)
        {
            return Outcome(SyncReason.EntryRemovedByOwner, "the owner removed the entry; it is not written again");
        }

        // Once an insert was claimed the entry belongs to that document: an edited spec.user (another user, blank, not a
        // UUID) never creates a second entry elsewhere (that would show one job to two users); the entry keeps syncing.
        if (Book.Owner is null && !IsUserId(observation.Owner))
        {
            // Only the stored bookkeeping can tell whether an entry was bound to a document before spec.user was edited.
            await LoadAsync();
        }

        if (Book.Owner is null && !IsUserId(observation.Owner))
        {
            return Outcome(SyncReason.InvalidOwner, $"spec.user \"{observation.Owner}\" is not a user id (a UUID)");
        }

        if (JobStates.Parse(observation.RawState) is not { } observed)
        {
            return Outcome(SyncReason.UnknownState, $"status.state \"{observation.RawState}\" is not a known state");
        }

        var result = await synchronizer.SyncAsync(observation, observed, this, _known ?? Remembered(observation.Uid), CancellationToken.None);
        _known = result.Known;
        var owner = result.Owner ?? Book.Owner ?? observation.Owner!;
        Record(owner, observation, result);
        var book = Book;
        var outcome = result.Outcome.IsInSync || result.Outcome.Reason == SyncReason.EntryTooLarge
            ? result.Outcome
            : result.Outcome with { PersistedState = book.PersistedState, EntryExists = book.EntryCreated && !book.RemovedByOwner, Revision = book.Revision };
        if (owner != observation.Owner && outcome.IsInSync && outcome.Reason != SyncReason.UserRemoved)
        {
            outcome = outcome with { Reason = SyncReason.OwnerChanged, Message = $"spec.user changed from {owner} to \"{observation.Owner}\"; the entry stays in {owner}'s document" };
        }

        return outcome;
    }

    // The entry as this grain's last write left it, from the bookkeeping saved with that write (a fresh activation of a
    // job that changed while it was idle then writes without reading the owner's document; the write's guard proves it).
    private KnownEntry? Remembered(string uid)
    {
        var book = Book;
        return _record.Loaded && book is { EntryCreated: true, RemovedByOwner: false, Owner: { } owner, EntryIndex: { } index, NodesDigest: { } digest, PersistedState: { } state, Revision: >= 1 }
            ? KnownEntry.Remember(owner, index, uid, state, book.Revision, book.Deleted, digest)
            : null;
    }

    private static bool IsUserId(string? owner) => !string.IsNullOrWhiteSpace(owner) && Guid.TryParse(owner, out _);

    private void Record(string owner, JobObservation observation, EntrySyncResult result)
    {
        var book = Book;
        if (result.EntryPresent && (!book.EntryCreated || book.Owner != owner))
        {
            book.EntryCreated = true;
            book.Owner = owner;
            _bookkeepingDirty = true;
        }

        // A claim made without reading first names a document that does not exist: nothing can have been inserted there,
        // so the claim is let go and a corrected spec.user is followed, as when no claim was made.
        if (result.Outcome.Reason == SyncReason.UserNotFound && !book.EntryCreated && book.Owner is { } claimed && claimed == result.Owner)
        {
            book.Owner = null;
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

        // Where the entry is and which nodes it holds, saved with the revision it belongs to (see Remembered).
        var (index, digest) = result.Known is { } known && known.Owner == book.Owner ? (known.Index, known.NodesDigest) : ((int?)null, (string?)null);
        if (book.EntryIndex != index || book.NodesDigest != digest)
        {
            book.EntryIndex = index;
            book.NodesDigest = digest;
            _historyDirty = true;
        }

        // Deleted with its entry marked, or with nothing left to mark: either way the job is settled for good.
        if (observation.Deleted && (result.Outcome.EntryExists || result.Outcome.Reason == SyncReason.UserRemoved) && !book.Deleted)
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
        if (!(_historyDirty || _bookkeepingDirty) || _lazySave is not null)
        {
            return;
        }

        _lazySave = this.RegisterGrainTimer(
            async _ =>
            {
                _lazySave?.Dispose();
                _lazySave = null;
                if ((_historyDirty || _bookkeepingDirty) && await TrySaveBookkeepingAsync() is { } failure)
                {
                    LogLazySaveFailed(logger, this.GetPrimaryKeyString(), failure.Message);
                    ScheduleLazySave();
                }
            },
            new GrainTimerCreationOptions(options.Value.HistorySaveDelay, Timeout.InfiniteTimeSpan) { KeepAlive = false, Interleave = false });
    }

    // Null when saved; else what kept it from being saved (the driver's own error where there is one).
    private async Task<Exception?> TrySaveBookkeepingAsync()
    {
        try
        {
            await SaveBookkeepingAsync();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e is OrleansException and not InconsistentStateException && e.InnerException is { } inner ? inner : e;
        }
    }

    // Saves, merging what a duplicate activation saved in between; returns whether anything was merged. Throws when the
    // storage fails (Orleans wraps the driver's error) or the conflicts do not settle.
    private async Task<bool> SaveBookkeepingAsync()
    {
        var merged = false;
        for (var attempt = 0; attempt < MaxSaveAttempts; attempt++)
        {
            try
            {
                await _record.WriteAsync();
                _bookkeepingDirty = false;
                _historyDirty = false;
                return merged;
            }
            catch (InconsistentStateException)
            {
                // Another activation of this job (a duplicate after a silo failure) saved in between: take what it knows
                // and add ours.
                await ReadMergingAsync();
                merged = true;
            }
        }

        throw new InconsistentStateException($"the bookkeeping of job {this.GetPrimaryKeyString()} kept conflicting with another activation's after {MaxSaveAttempts} merges");
    }

    // A failure as the caller sees it: transient (retried with backoff) or permanent (parked), with the cause.
    private SyncOutcome FailedOutcome(Exception e, string what)
    {
        var error = e is InconsistentStateException
            ? new MongoErrorClass(MongoErrorKind.Transient, null, null, "write_conflict")
            : MongoErrorClassifier.Classify(e);
        if (!EntrySynchronizer.IsDatabaseError(e) && e is not InconsistentStateException)
        {
            LogUnexpected(logger, e, this.GetPrimaryKeyString(), what);
        }

        var reason = error.IsTransient ? SyncReason.DatabaseUnavailable : SyncReason.DatabaseRejected;
        return Outcome(reason, $"{what} ({error.Reason}): {e.Message}");
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
            stored.EntryIndex = mine.EntryIndex;
            stored.NodesDigest = mine.NodesDigest;
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

    private SyncOutcome Outcome(SyncReason reason, string message)
    {
        var book = Book;
        return new(reason, book.PersistedState, book.EntryCreated && !book.RemovedByOwner, book.RemovedByOwner, book.Revision, message);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "job {Uid} {Job} of user {User}: persisted {State} at revision {Revision}")]
    private static partial void LogPersisted(ILogger logger, string uid, string job, string user, JobState state, long revision);

    [LoggerMessage(Level = LogLevel.Debug, Message = "job {Uid} not in sync: {Reason}: {Detail}")]
    private static partial void LogNotInSync(ILogger logger, string uid, SyncReason reason, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "AgentJob {Namespace}/{Name} ({Uid}) was deleted and its owner's document {User} no longer exists: nothing to mark, the job is settled")]
    private static partial void LogSettledWithoutUser(ILogger logger, string uid, string @namespace, string name, string user);

    // Debug: Orleans' storage bridge already logs each failed save as an Error, and a fact that failed to save was also
    // answered to the watch host (which warns once per cause).
    [LoggerMessage(Level = LogLevel.Debug, Message = "job {Uid}: saving the grain's bookkeeping failed; trying again in a while: {Error}")]
    private static partial void LogLazySaveFailed(ILogger logger, string uid, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "job {Uid}: {What}: unexpected error")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string uid, string what);
}
