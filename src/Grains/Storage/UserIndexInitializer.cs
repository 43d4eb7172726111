using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// Creates the unique index on <c>users.id</c> when the silo starts, in the background: a database that is down at start
/// must not keep the silo from joining (grains retry their own writes), so a transient failure is retried with capped
/// backoff until it succeeds. A unique index the platform already made on the same key (any name, such as MongoDB's
/// default <c>id_1</c>) is accepted with one Information line; one on the same key that does not keep ids unique is a
/// Warning that says what to do. When two documents already share an <c>id</c> the index cannot exist; that is
/// permanent, logged once as an error, and the grains of the affected owners report
/// <see cref="SyncReason.UserDocumentInvalid"/> (their reads see both documents) instead of writing into one of them.
/// </summary>
public sealed partial class UserIndexInitializer(UserJobsStore store, TimeProvider time, ILogger<UserIndexInitializer> logger) : StartupIndexCreation(time)
{
    private readonly TaskCompletionSource<UserIndexStatus> _status = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UserIdIndex? _index;

    /// <summary>Completes with the final status: created (or already there), or impossible because of duplicates.</summary>
    public Task<UserIndexStatus> Status => _status.Task;

    protected override async Task CreateAsync(CancellationToken cancellationToken) =>
        _index = await store.EnsureIndexesAsync(cancellationToken).ConfigureAwait(false);

    protected override void Created()
    {
        var index = _index!;
        if (index.Problem is { } problem)
        {
            LogNotUnique(logger, index.Name, problem);
            _status.TrySetResult(UserIndexStatus.NotUnique);
            return;
        }

        if (index.Created)
        {
            LogCreated(logger, index.Name);
        }
        else
        {
            LogPresent(logger, index.Name);
        }

        _status.TrySetResult(UserIndexStatus.Present);
    }

    protected override void Retrying(MongoErrorClass error, TimeSpan backoff, Exception exception) =>
        LogRetrying(logger, error.Reason, backoff.TotalMilliseconds, exception.Message);

    protected override async Task RefusedAsync(MongoErrorClass error, Exception exception, CancellationToken cancellationToken) =>
        _status.TrySetResult(await ExplainRefusalAsync(error, exception, cancellationToken).ConfigureAwait(false));

    protected override void Stopped() => _status.TrySetCanceled();

    // Servers word the refusal differently (MongoDB: 11000 DuplicateKey; FerretDB: an internal error carrying the SQL
    // state), so the duplicates are looked up rather than inferred from the code, and named in the log.
    private async Task<UserIndexStatus> ExplainRefusalAsync(MongoErrorClass error, Exception e, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> duplicates;
        try
        {
            duplicates = await store.FindDuplicateUserIdsAsync(10, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception lookup) when (lookup is MongoException or TimeoutException)
        {
            duplicates = [];
        }

        if (duplicates.Count > 0)
        {
            LogDuplicates(logger, string.Join(", ", duplicates));
            return UserIndexStatus.DuplicateIds;
        }

        LogImpossible(logger, error.Reason, e.Message);
        return UserIndexStatus.Rejected;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the unique index on users.id cannot be created: more than one user document has id {Ids}. Those owners' jobs report UserDocumentInvalid until one document remains; remove the duplicates and restart a silo")]
    private static partial void LogDuplicates(ILogger logger, string ids);

    [LoggerMessage(Level = LogLevel.Information, Message = "created the unique index {Index} on users.id")]
    private static partial void LogCreated(ILogger logger, string index);

    [LoggerMessage(Level = LogLevel.Information, Message = "the unique index {Index} on users.id is present")]
    private static partial void LogPresent(ILogger logger, string index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the index {Index} on users.id does not keep user ids unique: {Problem}. A second document with a user's id would not be refused, and this service cannot add its own unique index beside it. Drop that index (or replace it with a unique index on id) and restart a silo, which then creates the unique index id_unique")]
    private static partial void LogNotUnique(ILogger logger, string index, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "the unique index on users.id cannot be created ({Reason}): {Error}")]
    private static partial void LogImpossible(ILogger logger, string reason, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "creating the unique index on users.id failed ({Reason}); retrying in {BackoffMs} ms: {Error}")]
    private static partial void LogRetrying(ILogger logger, string reason, double backoffMs, string error);
}

/// <summary>What became of the unique index on <c>users.id</c>.</summary>
public enum UserIndexStatus
{
    /// <summary>Created, or it already existed (under any name: an equivalent unique index on the same key counts).</summary>
    Present,

    /// <summary>An index on <c>users.id</c> exists that is not unique (or covers only some documents); logged with what to do.</summary>
    NotUnique,

    /// <summary>Two or more user documents share an <c>id</c>, so a unique index cannot be built.</summary>
    DuplicateIds,

    /// <summary>The server refused it for another permanent reason (logged).</summary>
    Rejected,
}
