using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using Polly;
using Polly.Retry;

namespace AgentJobSync.Grains;

/// <summary>
/// Brings one job's entry in its owner's document up to an observation: a fresh read, a decision, one conditional
/// write, repeated when the write's guard misses (another writer, or an element that moved). Transient database errors
/// are retried with capped, jittered backoff inside <see cref="SyncOptions.RetryBudget"/>; permanent ones end the call
/// with a reason. Stateless: the grain owns the bookkeeping and serializes calls per job.
/// </summary>
public sealed partial class EntrySynchronizer
{
    private static readonly ResiliencePropertyKey<long> Started = new("sync-started");

    private readonly IUserJobsStore _store;
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retries;

    public EntrySynchronizer(IUserJobsStore store, IOptions<SyncOptions> options, SyncMetrics metrics, TimeProvider time, ILogger<EntrySynchronizer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _store = store;
        _options = options.Value;
        _time = time;
        var budget = _options.RetryBudget;
        _retries = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // Transient errors only, and only while the call's budget lasts; the last error then ends the call.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsDatabaseError(e) && !args.Context.CancellationToken.IsCancellationRequested
                    && MongoErrorClassifier.Classify(e).IsTransient
                    && time.GetElapsedTime(args.Context.Properties.GetValue(Started, 0)) < budget),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.InitialBackoff,
                MaxDelay = _options.MaxBackoff,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var error = MongoErrorClassifier.Classify(args.Outcome.Exception!);
                    metrics.Retried(error.Reason);
                    LogTransient(logger, error.Reason, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!.Message);
                    return default;
                },
            })
            .Build();
    }

    /// <param name="observation">The job as read; its owner is used until the bookkeeping names the entry's document.</param>
    /// <param name="observed">Its parsed state.</param>
    /// <param name="bookkeeping">What the grain knows of the entry, consulted at every step.</param>
    /// <param name="known">The entry as the previous call left it, if it knows; the first attempt decides from it.</param>
    public async Task<EntrySyncResult> SyncAsync(JobObservation observation, JobState observed, IEntryBookkeeping bookkeeping, KnownEntry? known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(bookkeeping);
        // Continuations stay on the caller's scheduler (no ConfigureAwait(false) here): the bookkeeping's claim saves the
        // grain's persistent state, which Orleans allows only on the activation's own scheduler.
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        context.Properties.Set(Started, _time.GetTimestamp());
        var copiesRemoved = 0;
        try
        {
            return await _retries.ExecuteAsync(
                async (ctx, _) =>
                {
                    var first = known;
                    known = null; // a retry after an error decides from a fresh read
                    var result = await AttemptAsync(observation, observed, bookkeeping, first, ctx.CancellationToken);
                    copiesRemoved += result.CopiesRemoved;
                    return result with { CopiesRemoved = copiesRemoved };
                },
                context,
                0);
        }
        catch (Exception e) when (IsDatabaseError(e) && !cancellationToken.IsCancellationRequested)
        {
            var error = MongoErrorClassifier.Classify(e);
            if (error.IsTransient)
            {
                return Failed(SyncReason.DatabaseUnavailable, $"{error.Reason}: {e.Message}", copiesRemoved);
            }

            var reason = IsTooLarge(error) ? SyncReason.EntryTooLarge : SyncReason.DatabaseRejected;
            return Failed(reason, $"{error.Reason} (code {error.Code}): {e.Message}", copiesRemoved);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // Reads, decisions and conditional writes until one lands, the guard keeps missing, or an error is thrown.
    private async Task<EntrySyncResult> AttemptAsync(JobObservation observation, JobState observed, IEntryBookkeeping bookkeeping, KnownEntry? known, CancellationToken ct)
    {
        var copiesRemoved = 0;
        for (var attempt = 1; ; attempt++)
        {
            var owner = bookkeeping.Owner ?? observation.Owner!;
            var step = attempt == 1 && known is not null && known.Owner == owner
                ? (Result: await UpdateAsync(owner, observation, observed, known, ct), CopiesRemoved: 0)
                : attempt == 1 && known is null && AppendsWithoutReading(observation, bookkeeping)
                    ? (Result: await InsertAsync(owner, observation, observed, bookkeeping, snapshot: null, ct), CopiesRemoved: 0)
                    : await StepAsync(owner, observation, observed, bookkeeping, ct);
            copiesRemoved += step.CopiesRemoved;
            if (step.Result is { } result)
            {
                return result with { CopiesRemoved = copiesRemoved };
            }

            if (attempt >= _options.MaxAttempts)
            {
                return Failed(SyncReason.DatabaseUnavailable, $"the owner's document kept changing: {attempt} conditional writes missed", copiesRemoved);
            }
        }
    }

    // A job the watch host has never routed, with no entry claimed yet: it almost certainly has no entry, so the append is
    // tried without reading the owner's document first (its guard still refuses a second entry). Only where user ids are
    // known to be unique, as the read would otherwise have refused an owner with two documents.
    private bool AppendsWithoutReading(JobObservation observation, IEntryBookkeeping bookkeeping) =>
        observation.FirstSight && bookkeeping.Owner is null && !bookkeeping.EntryCreated && _store.UserIdsUnique;

    // One read, one decision, at most one write. A null Result means "the guard missed: read again".
    private async Task<(EntrySyncResult? Result, int CopiesRemoved)> StepAsync(string owner, JobObservation observation, JobState observed, IEntryBookkeeping bookkeeping, CancellationToken ct)
    {
        var read = await _store.ReadAsync(owner, observation.Uid, ct);
        if (!read.UserFound)
        {
            // A deleted job whose owner is gone has nothing left to mark; a live one may see its user created later.
            return observation.Deleted
                ? (new EntrySyncResult(new SyncOutcome(SyncReason.UserRemoved, null, false, false, 0, $"the job was deleted and no user document has id {owner}: nothing to mark"), false, false, null, 0, false, Owner: owner), 0)
                : (Failed(SyncReason.UserNotFound, $"no user document has id {owner}", 0, owner), 0);
        }

        if (read.DuplicateUserDocuments)
        {
            return (Failed(SyncReason.UserDocumentInvalid, $"more than one user document has id {owner}; the entry is not written until one remains", 0, owner), 0);
        }

        var snapshot = read.Snapshot;
        if (!snapshot.CanHoldEntries)
        {
            return (Failed(SyncReason.UserDocumentInvalid, $"the user's jobs field is {snapshot.Raw!.BsonType}, not an array", 0, owner), 0);
        }

        if (snapshot.Positions.Count > 1)
        {
            var removed = await _store.RemoveExtraCopiesAsync(owner, snapshot, keep: snapshot.Positions[0], ct);
            return (null, removed ? snapshot.Positions.Count - 1 : 0);
        }

        if (snapshot.Entry is { } entry)
        {
            return (await UpdateAsync(owner, observation, observed, new KnownEntry(owner, snapshot.Positions[0], entry), ct), 0);
        }

        return (await InsertAsync(owner, observation, observed, bookkeeping, snapshot, ct), 0);
    }

    // No entry in the owner's document (snapshot: as just read), or none expected (no snapshot: the append is tried without
    // a read): removed by the owner if it ever existed there, else created. Null: read again.
    private async Task<EntrySyncResult?> InsertAsync(string owner, JobObservation observation, JobState observed, IEntryBookkeeping bookkeeping, JobsSnapshot? snapshot, CancellationToken ct)
    {
        if (snapshot is not null && bookkeeping.EntryCreated)
        {
            return new EntrySyncResult(
                new SyncOutcome(SyncReason.EntryRemovedByOwner, null, false, true, 0, "the owner removed the entry; it is not written again"),
                EntryPresent: false, RemovedByOwner: true, Written: null, 0, false, Owner: owner);
        }

        var flags = _options.Flags;
        var create = TransitionRules.Decide(null, observed, flags);
        if (create.Target is not { } initial)
        {
            return snapshot is null
                ? null
                : new EntrySyncResult(new SyncOutcome(create.Reason, null, false, false, 0, "FEATURE_NEW_AGENT_JOBS is off: no entry is created"), false, false, null, 0, false, Owner: owner);
        }

        // The rare path (once per job): the claim is what keeps a stale activation, or a spec.user edited while the
        // entry's bookkeeping was not saved, from inserting an entry that exists elsewhere or was removed.
        if (!await bookkeeping.ClaimInsertAsync(owner, ct))
        {
            return null;
        }

        var dropped = false;
        var canonical = flags.NodeStatusUpdates ? Canonical(observation.Nodes) : [];
        var nodes = flags.NodeStatusUpdates ? EntryNodes.ToBson(canonical, out dropped) : null;
        var tooLarge = flags.NodeStatusUpdates && nodes is null;
        var appended = await AppendAsync(owner, EntryDocument.Create(observation, initial, nodes, _time.GetUtcNow()), snapshot, ct);
        if (appended.TooLarge)
        {
            // The owner's document cannot take the nodes: the entry is created with its state alone.
            tooLarge = true;
            appended = await AppendAsync(owner, EntryDocument.Create(observation, initial, null, _time.GetUtcNow()), snapshot, ct);
        }

        if (!appended.Inserted)
        {
            return null;
        }

        // After the append that returned the array the entry's place is known; after a plain insert (no array back) the
        // next call reads.
        var known = appended.After is { Positions.Count: 1 } after
            ? new KnownEntry(owner, after.Positions[0], after.Entry!, tooLarge || dropped ? null : Digest(canonical, flags))
            : null;
        return new EntrySyncResult(
            new SyncOutcome(tooLarge ? SyncReason.EntryTooLarge : SyncReason.Synced, initial, true, false, 1, tooLarge ? TooLarge : null), true, false, initial, 0, dropped, known, owner);
    }

    // One insert: without a snapshot the append that returns the array (After), with one the length-guarded insert (no
    // array back). TooLarge: the document cannot take the entry's nodes.
    private async Task<(bool Inserted, JobsSnapshot? After, bool TooLarge)> AppendAsync(string owner, BsonDocument entry, JobsSnapshot? snapshot, CancellationToken ct)
    {
        try
        {
            if (snapshot is null)
            {
                var after = await _store.AppendAsync(owner, entry, ct);
                return (after is not null, after, false);
            }

            return (await _store.InsertIfAbsentAsync(owner, entry, snapshot.Length, ct), null, false);
        }
        catch (Exception e) when (entry.Contains(JobEntryFields.Nodes) && IsTooLarge(e))
        {
            return (false, null, true);
        }
    }

    // The decision for an existing entry and at most one guarded write. Null means "the guard missed (or a remembered
    // entry cannot decide the observed nodes): read again".
    private async Task<EntrySyncResult?> UpdateAsync(string owner, JobObservation observation, JobState observed, KnownEntry known, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var flags = _options.Flags;
        var (index, entry) = (known.Index, known.Entry);
        var revision = EntryRevision.Of(entry);

        var current = JobStates.Parse(entry.GetValue(JobEntryFields.Status, BsonNull.Value) as BsonString is { } s ? s.Value : null) ?? JobState.New;
        var transition = TransitionRules.Decide(current, observed, flags);
        var fields = new BsonDocument();
        if (transition.Target is { } target)
        {
            fields[JobEntryFields.Status] = JobStates.Name(target);
            fields[JobEntryFields.LastActive] = new BsonDateTime(now.UtcDateTime);
        }

        var outputsDropped = false;
        var nodesTooLarge = false;
        var canonical = flags.NodeStatusUpdates ? Canonical(observation.Nodes) : [];
        var digest = Digest(canonical, flags);
        if (flags.NodeStatusUpdates && digest != known.NodesDigest)
        {
            if (known.Remembered)
            {
                return null;
            }

            var (merged, changed) = NodeMerge.Merge(EntryNodes.FromEntry(entry), canonical);
            if (changed)
            {
                var nodes = EntryNodes.ToBson(merged, out outputsDropped);
                nodesTooLarge = nodes is null;
                if (nodes is not null)
                {
                    fields[JobEntryFields.Nodes] = nodes;
                }
            }
        }

        if (observation.Deleted && !entry.Contains(JobEntryFields.DeletedTime))
        {
            fields[JobEntryFields.DeletedTime] = new BsonDateTime(now.UtcDateTime);
        }

        JobsSnapshot? after;
        try
        {
            after = fields.ElementCount > 0 ? await _store.UpdateEntryAsync(owner, index, observation.Uid, revision, fields, ct) : null;
        }
        catch (Exception e) when (fields.Contains(JobEntryFields.Nodes) && IsTooLarge(e))
        {
            // The owner's document cannot take the nodes: the state (and deletion) are written without them.
            nodesTooLarge = true;
            fields.Remove(JobEntryFields.Nodes);
            after = fields.ElementCount > 0 ? await _store.UpdateEntryAsync(owner, index, observation.Uid, revision, fields, ct) : null;
        }

        // The entry's nodes are the merge of the observed ones unless some were left out for size.
        var settledDigest = nodesTooLarge || outputsDropped ? null : digest;
        if (fields.ElementCount == 0)
        {
            if (known.Remembered)
            {
                // Nothing to write means no guard to prove the entry is still there: a fresh activation reads before it
                // answers "up to date" (it may learn that the owner removed the entry).
                return null;
            }

            var quiet = nodesTooLarge ? SyncReason.EntryTooLarge : transition.Reason == SyncReason.FeatureDisabled ? SyncReason.FeatureDisabled : SyncReason.UpToDate;
            return new EntrySyncResult(
                new SyncOutcome(quiet, current, true, false, revision.Number, nodesTooLarge ? TooLarge : null), true, false, null, 0, outputsDropped,
                known with { NodesDigest = settledDigest }, owner);
        }

        if (after is null)
        {
            return null;
        }

        var (next, copiesRemoved) = await ReduceCopiesAfterWriteAsync(owner, index, after, known with { NodesDigest = settledDigest, Remembered = false }, ct);
        var persisted = transition.Target ?? current;
        var outcomeReason = nodesTooLarge ? SyncReason.EntryTooLarge
            : transition.Target is not null ? SyncReason.Synced
            : transition.Reason == SyncReason.FeatureDisabled ? SyncReason.FeatureDisabled : SyncReason.Synced;
        return new EntrySyncResult(
            new SyncOutcome(outcomeReason, persisted, true, false, revision.Next, nodesTooLarge ? TooLarge : null),
            true, false, transition.Target, copiesRemoved, outputsDropped, next, owner);
    }

    // The array the write returned holds the entry as written at its index. Another element with the job's id is a copy
    // someone appended since the last read: it is removed at once, keeping the entry just written. When the array changed
    // again before that removal, the entry's place is no longer known and the next call reads (and reduces).
    private async Task<(KnownEntry? Known, int CopiesRemoved)> ReduceCopiesAfterWriteAsync(string owner, int index, JobsSnapshot after, KnownEntry written, CancellationToken ct)
    {
        var entry = (BsonDocument)after.Array![index];
        if (after.Positions.Count == 1)
        {
            return (written with { Entry = entry }, 0);
        }

        if (!await _store.RemoveExtraCopiesAsync(owner, after, keep: index, ct))
        {
            return (null, 0);
        }

        return (written with { Index = index - after.Positions.Count(p => p < index), Entry = entry }, after.Positions.Count - 1);
    }

    // With node status updates off nodes are never written, so every observation's nodes are "already merged".
    private const string NodesNotSynced = "off";

    private static string Digest(IReadOnlyList<NodeObservation> canonical, FeatureFlags flags) =>
        flags.NodeStatusUpdates ? NodesDigest.Of(canonical) : NodesNotSynced;

    private const string TooLarge = "the job's nodes do not fit in the owner's document; the state is synced, the nodes are not";

    private static IReadOnlyList<NodeObservation> Canonical(IReadOnlyList<NodeObservation> nodes) =>
        [.. nodes.Select(n => n with { OutputJson = EntryNodes.CanonicalOutput(n.OutputJson) })];

    private static EntrySyncResult Failed(SyncReason reason, string message, int copiesRemoved, string? owner = null) =>
        new(new SyncOutcome(reason, null, false, false, 0, message), false, false, null, copiesRemoved, false, Owner: owner);

    private static bool IsTooLarge(Exception e) => IsDatabaseError(e) && IsTooLarge(MongoErrorClassifier.Classify(e));

    private static bool IsTooLarge(MongoErrorClass error) => error.Reason == "document_too_large";

    // Errors of the database call (including our own per-call deadline, and the driver refusing a document over its size
    // limit before sending it, which it reports as a FormatException), as opposed to bugs, which the grain reports.
    internal static bool IsDatabaseError(Exception e) =>
        e is MongoDB.Driver.MongoException or TimeoutException or OperationCanceledException or FormatException;

    [LoggerMessage(Level = LogLevel.Information, Message = "transient database error {Reason}; retrying in {BackoffMs} ms: {Error}")]
    private static partial void LogTransient(ILogger logger, string reason, double backoffMs, string error);
}
