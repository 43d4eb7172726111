using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Domain;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;

namespace AgentJobSync.Grains;

/// <summary>
/// Brings one job's entry in its owner's document up to an observation: a fresh read, a decision, one conditional
/// write, repeated when the write's guard misses (another writer, or an element that moved). Transient database errors
/// are retried with capped, jittered backoff inside <see cref="SyncOptions.RetryBudget"/>; permanent ones end the call
/// with a reason. Stateless: the grain owns the bookkeeping and serializes calls per job.
/// </summary>
public sealed partial class EntrySynchronizer(UserJobsStore store, IOptions<SyncOptions> options, SyncMetrics metrics, TimeProvider time, ILogger<EntrySynchronizer> logger)
{
    private readonly SyncOptions _options = options.Value;

    /// <param name="owner">The user whose document holds (or will hold) the entry.</param>
    /// <param name="observation">The job as read.</param>
    /// <param name="observed">Its parsed state.</param>
    /// <param name="entryCreated">Whether this job's entry is known to have existed in that document.</param>
    /// <param name="known">The entry as the previous call left it, if it knows; the first attempt decides from it.</param>
    public async Task<EntrySyncResult> SyncAsync(string owner, JobObservation observation, JobState observed, bool entryCreated, KnownEntry? known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var started = time.GetTimestamp();
        var backoff = _options.InitialBackoff;
        var copiesRemoved = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var step = attempt == 1 && known is not null && known.Owner == owner
                    ? (Result: await UpdateAsync(owner, observation, observed, known.Entry, known.Index, known.Revision, cancellationToken).ConfigureAwait(false), CopiesRemoved: 0)
                    : await StepAsync(owner, observation, observed, entryCreated, cancellationToken).ConfigureAwait(false);
                if (step.Result is { } result)
                {
                    return result with { CopiesRemoved = result.CopiesRemoved + copiesRemoved };
                }

                copiesRemoved += step.CopiesRemoved;
                if (attempt >= _options.MaxAttempts)
                {
                    return Failed(SyncReason.DatabaseUnavailable, $"the owner's document kept changing: {attempt} conditional writes missed", copiesRemoved);
                }
            }
            catch (Exception e) when (IsDatabaseError(e) && !cancellationToken.IsCancellationRequested)
            {
                var error = MongoErrorClassifier.Classify(e);
                if (error.Kind == MongoErrorKind.Permanent)
                {
                    LogPermanent(logger, error.Reason, error.Code, e.Message);
                    var reason = error.Reason == "document_too_large" ? SyncReason.EntryTooLarge : SyncReason.DatabaseRejected;
                    return Failed(reason, $"{error.Reason} (code {error.Code}): {e.Message}", copiesRemoved);
                }

                var elapsed = time.GetElapsedTime(started);
                if (elapsed + backoff > _options.RetryBudget)
                {
                    return Failed(SyncReason.DatabaseUnavailable, $"{error.Reason}: {e.Message}", copiesRemoved);
                }

                metrics.Retried(error.Reason);
                LogTransient(logger, error.Reason, backoff.TotalMilliseconds, e.Message);
                await Task.Delay(Jitter(backoff), time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    // One read, one decision, at most one write. A null Result means "the guard missed: read again".
    private async Task<(EntrySyncResult? Result, int CopiesRemoved)> StepAsync(string owner, JobObservation observation, JobState observed, bool entryCreated, CancellationToken ct)
    {
        var read = await store.ReadAsync(owner, observation.Uid, ct).ConfigureAwait(false);
        if (!read.UserFound)
        {
            return (Failed(SyncReason.UserNotFound, $"no user document has id {owner}", 0), 0);
        }

        if (read.DuplicateUserDocuments)
        {
            return (Failed(SyncReason.UserDocumentInvalid, $"more than one user document has id {owner}; the entry is not written until one remains", 0), 0);
        }

        var snapshot = read.Snapshot;
        if (!snapshot.CanHoldEntries)
        {
            return (Failed(SyncReason.UserDocumentInvalid, $"the user's jobs field is {snapshot.Raw!.BsonType}, not an array", 0), 0);
        }

        if (snapshot.Positions.Count > 1)
        {
            var removed = await store.RemoveExtraCopiesAsync(owner, snapshot, ct).ConfigureAwait(false);
            return (null, removed ? snapshot.Positions.Count - 1 : 0);
        }

        var now = time.GetUtcNow();
        var flags = _options.Flags;
        if (snapshot.Entry is not { } entry)
        {
            if (entryCreated)
            {
                return (new EntrySyncResult(
                    new SyncOutcome(SyncReason.EntryRemovedByOwner, null, false, true, 0, "the owner removed the entry; it is not written again"),
                    EntryPresent: false, RemovedByOwner: true, Written: null, 0, false), 0);
            }

            var create = TransitionRules.Decide(null, observed, flags);
            if (create.Target is not { } initial)
            {
                return (new EntrySyncResult(new SyncOutcome(create.Reason, null, false, false, 0, "FEATURE_NEW_AGENT_JOBS is off: no entry is created"), false, false, null, 0, false), 0);
            }

            var dropped = false;
            var nodes = flags.NodeStatusUpdates ? EntryNodes.ToBson(Canonical(observation.Nodes), out dropped) : [];
            var created = EntryDocument.Create(observation, initial, nodes ?? [], now);
            if (!await store.InsertIfAbsentAsync(owner, created, snapshot.Length, ct).ConfigureAwait(false))
            {
                return (null, 0);
            }

            // No known entry after an insert: the next call reads fresh, so a copy another writer added around our insert
            // (the previous operator still running during a migration) is found and reduced to one.
            var reason = nodes is null ? SyncReason.EntryTooLarge : SyncReason.Synced;
            return (new EntrySyncResult(
                new SyncOutcome(reason, initial, true, false, 1, nodes is null ? TooLarge : null), true, false, initial, 0, dropped), 0);
        }

        return (await UpdateAsync(owner, observation, observed, entry, snapshot.Positions[0], snapshot.EntryRevision, ct, snapshot.ForeignRevision).ConfigureAwait(false), 0);
    }

    // The decision for an existing entry and at most one guarded write. Null means "the guard missed: read again".
    private async Task<EntrySyncResult?> UpdateAsync(string owner, JobObservation observation, JobState observed, BsonDocument entry, int index, long revision, CancellationToken ct, BsonValue? foreignRevision = null)
    {
        var now = time.GetUtcNow();
        var flags = _options.Flags;

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
        if (flags.NodeStatusUpdates)
        {
            var (merged, changed) = NodeMerge.Merge(EntryNodes.FromEntry(entry), Canonical(observation.Nodes));
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

        if (fields.ElementCount == 0)
        {
            var quiet = nodesTooLarge ? SyncReason.EntryTooLarge : transition.Reason == SyncReason.FeatureDisabled ? SyncReason.FeatureDisabled : SyncReason.UpToDate;
            return new EntrySyncResult(
                new SyncOutcome(quiet, current, true, false, revision, nodesTooLarge ? TooLarge : null), true, false, null, 0, outputsDropped,
                new KnownEntry(owner, index, revision, entry));
        }

        if (!await store.UpdateEntryAsync(owner, index, observation.Uid, revision, fields, ct, foreignRevision).ConfigureAwait(false))
        {
            return null;
        }

        var updated = entry.DeepClone().AsBsonDocument;
        foreach (var field in fields)
        {
            updated[field.Name] = field.Value;
        }

        updated[JobEntryFields.Revision] = new BsonInt64(revision + 1);

        var persisted = transition.Target ?? current;
        var outcomeReason = nodesTooLarge ? SyncReason.EntryTooLarge
            : transition.Target is not null ? SyncReason.Synced
            : transition.Reason == SyncReason.FeatureDisabled ? SyncReason.FeatureDisabled : SyncReason.Synced;
        return new EntrySyncResult(
            new SyncOutcome(outcomeReason, persisted, true, false, revision + 1, nodesTooLarge ? TooLarge : null),
            true, false, transition.Target, 0, outputsDropped, new KnownEntry(owner, index, revision + 1, updated));
    }

    private const string TooLarge = "the job's nodes do not fit in an entry even without their outputs; the state is synced, the nodes are not";

    private static IReadOnlyList<NodeObservation> Canonical(IReadOnlyList<NodeObservation> nodes) =>
        [.. nodes.Select(n => n with { OutputJson = EntryNodes.CanonicalOutput(n.OutputJson) })];

    private static EntrySyncResult Failed(SyncReason reason, string message, int copiesRemoved) =>
        new(new SyncOutcome(reason, null, false, false, 0, message), false, false, null, copiesRemoved, false);

    // Errors of the database call (including our own per-call deadline, and the driver refusing a document over its size
    // limit before sending it, which it reports as a FormatException), as opposed to bugs, which must surface.
    private static bool IsDatabaseError(Exception e) =>
        e is MongoDB.Driver.MongoException or TimeoutException or OperationCanceledException or FormatException;

    private static TimeSpan Jitter(TimeSpan backoff) => TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));

    [LoggerMessage(Level = LogLevel.Warning, Message = "database refused a write permanently: {Reason} (code {Code}): {Error}")]
    private static partial void LogPermanent(ILogger logger, string reason, int? code, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "transient database error {Reason}; retrying in {BackoffMs} ms: {Error}")]
    private static partial void LogTransient(ILogger logger, string reason, double backoffMs, string error);
}
