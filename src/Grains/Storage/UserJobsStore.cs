using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// The write shapes on a user's <c>jobs</c> array. Every write is one conditional <c>updateOne</c> on the owner's
/// document that touches only this job's element, so the manager's concurrent writes (<c>$set compute_credits</c>,
/// <c>$push</c>/<c>$pull</c> on <c>compute_devices</c> and on <c>jobs</c>) are never clobbered. The shapes work on
/// MongoDB and on FerretDB v1 alike: no positional <c>$</c>, no <c>arrayFilters</c>, no <c>$pull</c> by condition.
/// Writes use majority write concern and reads go to the primary with majority read concern, so a conclusion such
/// as "the owner removed the entry" is never drawn from a stale or lost read.
/// </summary>
public sealed class UserJobsStore : IUserJobsStore
{
    private readonly IMongoCollection<BsonDocument> _users;
    private readonly UserDocumentOptions _options;

    public UserJobsStore(IMongoClient client, IOptions<UserDocumentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _users = client.GetDatabase(_options.DatabaseName)
            .GetCollection<BsonDocument>(_options.CollectionName)
            .WithWriteConcern(WriteConcern.WMajority)
            .WithReadConcern(ReadConcern.Majority)
            .WithReadPreference(ReadPreference.Primary);
    }

    // Set once the unique index on users.id is known to be in place: only then can a write by owner alone (no read before
    // it to see that exactly one document has the id) be trusted to touch the one document of that user.
    private volatile bool _userIdsUnique;

    /// <summary>Whether a unique index on <c>users.id</c> is known to exist (found or created by <see cref="EnsureIndexesAsync"/>).</summary>
    public bool UserIdsUnique => _userIdsUnique;

    /// <summary>The name this service gives the unique index on <c>users.id</c> when it creates it.</summary>
    public const string UserIdIndexName = "id_unique";

    /// <summary>
    /// Makes sure <c>users.id</c> has a unique index. An index the platform made already (any name, such as MongoDB's
    /// default <c>id_1</c>) on the same key and unique is accepted as it is; one on the same key that is not unique, or
    /// covers only some documents, is reported and left alone. Otherwise <c>id_unique</c> is created; that fails with a
    /// duplicate-key error when two documents already share an id, which the caller reports.
    /// </summary>
    public async Task<UserIdIndex> EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        var indexes = await (await _users.Indexes.ListAsync(cancellationToken).ConfigureAwait(false)).ToListAsync(cancellationToken).ConfigureAwait(false);
        var onId = indexes.Where(IsOnUserId).ToList();
        if (onId.FirstOrDefault(KeepsUnique) is { } equivalent)
        {
            _userIdsUnique = true;
            return new UserIdIndex(equivalent["name"].AsString, Created: false);
        }

        if (onId.FirstOrDefault(i => i["key"].AsBsonDocument[0].ToDouble() > 0) is { } blocking)
        {
            var problem = blocking.GetValue("unique", false).ToBoolean() ? "it is partial (covers only some documents)" : "it is not unique";
            return new UserIdIndex(blocking["name"].AsString, Created: false, problem);
        }

        var model = new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending(JobEntryFields.UserId),
            new CreateIndexOptions { Unique = true, Name = UserIdIndexName });
        await _users.Indexes.CreateOneAsync(model, cancellationToken: cancellationToken).ConfigureAwait(false);
        _userIdsUnique = true;
        return new UserIdIndex(UserIdIndexName, Created: true);
    }

    // An index whose key is users.id alone, either direction.
    private static bool IsOnUserId(BsonDocument index) =>
        index.GetValue("key", BsonNull.Value) is BsonDocument { ElementCount: 1 } key
        && key.GetElement(0) is { Name: JobEntryFields.UserId, Value.IsNumeric: true };

    private static bool KeepsUnique(BsonDocument index) =>
        index.GetValue("unique", false).ToBoolean() && !index.Contains("partialFilterExpression");

    /// <summary>Up to <paramref name="limit"/> user ids that more than one document claims (what blocks the unique index).</summary>
    public async Task<IReadOnlyList<string>> FindDuplicateUserIdsAsync(int limit, CancellationToken cancellationToken)
    {
        var pipeline = new[]
        {
            new BsonDocument("$group", new BsonDocument { { "_id", "$" + JobEntryFields.UserId }, { "n", new BsonDocument("$sum", 1) } }),
            new BsonDocument("$match", new BsonDocument("n", new BsonDocument("$gt", 1))),
            new BsonDocument("$limit", limit),
        };
        var groups = await (await _users.AggregateAsync<BsonDocument>(pipeline, cancellationToken: cancellationToken).ConfigureAwait(false))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. groups.Select(g => g["_id"].ToString()!)];
    }

    /// <summary>One fresh read of the owner's <c>jobs</c> from the primary.</summary>
    public async Task<UserDocumentRead> ReadAsync(string owner, string uid, CancellationToken cancellationToken)
    {
        using var timeout = Deadline(cancellationToken);
        var documents = await _users
            .Find(ByOwner(owner))
            .Project(Builders<BsonDocument>.Projection.Include(JobEntryFields.JobsArray).Exclude("_id"))
            .Limit(2)
            .ToListAsync(timeout.Token)
            .ConfigureAwait(false);
        if (documents.Count == 0)
        {
            return new UserDocumentRead(false, JobsSnapshot.Of(null, uid), false);
        }

        var jobs = documents[0].TryGetValue(JobEntryFields.JobsArray, out var value) ? value : null;
        return new UserDocumentRead(true, JobsSnapshot.Of(jobs, uid), documents.Count > 1);
    }

    /// <summary>
    /// Appends the entry unless the owner's <c>jobs</c> already holds an element with the job's id: one
    /// <c>$push</c> guarded by <c>$nor: [{"jobs.id": uid}]</c>, so retries and concurrent activations leave one
    /// entry. (MongoDB's natural <c>{"jobs.id": {$ne: uid}}</c> is avoided: FerretDB v1 evaluates <c>$ne</c> on
    /// arrays of documents wrongly, while it evaluates the equality inside <c>$nor</c> correctly.) When
    /// <paramref name="expectedLength"/> is given, the write also requires the array to have exactly that
    /// length, so on success the entry's index is known without another read.
    /// </summary>
    /// <returns>Whether this call appended the entry.</returns>
    public async Task<bool> InsertIfAbsentAsync(string owner, BsonDocument entry, int? expectedLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var uid = entry[JobEntryFields.Id].AsString;
        var filter = new BsonDocument
        {
            { JobEntryFields.UserId, owner },
            { "$nor", new BsonArray { new BsonDocument($"{JobEntryFields.JobsArray}.{JobEntryFields.Id}", uid) } },
        };
        if (expectedLength is { } length)
        {
            AddLengthGuard(filter, length);
        }

        var update = new BsonDocument("$push", new BsonDocument(JobEntryFields.JobsArray, entry));
        using var timeout = Deadline(cancellationToken);
        var result = await _users.UpdateOneAsync(filter, update, cancellationToken: timeout.Token).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    /// <summary>
    /// Appends the entry unless the owner's <c>jobs</c> already holds an element with the job's id (the same
    /// <c>$nor</c> guard as <see cref="InsertIfAbsentAsync"/>), without reading first, and returns the owner's
    /// <c>jobs</c> as the append left them (one <c>findAndModify</c>), so the entry's index is known for the next write.
    /// Null when nothing was appended: no document has the owner's id, or the entry is there already; the caller then
    /// reads and decides. Only for owners whose id is unique (<see cref="UserIdsUnique"/>): the write names the user by id
    /// alone.
    /// </summary>
    public async Task<JobsSnapshot?> AppendAsync(string owner, BsonDocument entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var uid = entry[JobEntryFields.Id].AsString;
        var filter = new BsonDocument
        {
            { JobEntryFields.UserId, owner },
            { "$nor", new BsonArray { new BsonDocument($"{JobEntryFields.JobsArray}.{JobEntryFields.Id}", uid) } },
        };
        return await UpdateReturningJobsAsync(filter, new BsonDocument("$push", new BsonDocument(JobEntryFields.JobsArray, entry)), uid, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets fields of the job's element at <paramref name="index"/>, guarded by that element's id and by its revision being
    /// exactly what was read (see <see cref="EntryRevision"/>), and sets the next revision: a miss means the element moved
    /// (an earlier entry was pulled) or another writer got there first, and the caller re-reads and decides again.
    /// One <c>findAndModify</c> that returns the owner's <c>jobs</c> as the write left them: a write decided from a
    /// remembered entry reads nothing before it, so this is where a copy of the entry that another writer appended since
    /// (the previous operator during a migration) shows, and the caller reduces it at once instead of at its next read.
    /// </summary>
    /// <returns>The owner's jobs after the write, or null when the guard missed and nothing was written.</returns>
    public async Task<JobsSnapshot?> UpdateEntryAsync(string owner, int index, string uid, EntryRevision revision, BsonDocument fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var element = $"{JobEntryFields.JobsArray}.{index}";
        var filter = new BsonDocument
        {
            { JobEntryFields.UserId, owner },
            { $"{element}.{JobEntryFields.Id}", uid },
            { $"{element}.{JobEntryFields.Revision}", revision.Guard },
        };

        var set = new BsonDocument();
        foreach (var field in fields)
        {
            set[$"{element}.{field.Name}"] = field.Value;
        }

        set[$"{element}.{JobEntryFields.Revision}"] = new BsonInt64(revision.Next);
        return await UpdateReturningJobsAsync(filter, new BsonDocument("$set", set), uid, cancellationToken).ConfigureAwait(false);
    }

    // One findAndModify; the owner's jobs as the update left them, or null when the filter matched nothing. The whole
    // document comes back: FerretDB v1 does not implement findAndModify's projection ("fields"); the other fields of a
    // user document are small beside its jobs.
    private async Task<JobsSnapshot?> UpdateReturningJobsAsync(BsonDocument filter, BsonDocument update, string uid, CancellationToken cancellationToken)
    {
        var options = new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After };
        using var timeout = Deadline(cancellationToken);
        var after = await _users.FindOneAndUpdateAsync<BsonDocument>(filter, update, options, timeout.Token).ConfigureAwait(false);
        return after is null ? null : JobsSnapshot.Of(after.GetValue(JobEntryFields.JobsArray, BsonNull.Value), uid);
    }

    /// <summary>
    /// Reduces several elements with the job's id to the one at <paramref name="keep"/> (one of the snapshot's
    /// positions), in one atomic update: the array is replaced by itself without the other copies, guarded by the whole
    /// array being exactly what was read. If anyone changed <c>jobs</c> since (another entry, a pull, a push) the guard
    /// misses and nothing is written, so no other element can be touched; the caller re-reads and tries again. No nulls
    /// are ever left (unlike <c>$unset</c> + <c>$pull: null</c>, which needs two writes).
    /// </summary>
    /// <returns>Whether the copies were removed.</returns>
    public async Task<bool> RemoveExtraCopiesAsync(string owner, JobsSnapshot snapshot, int keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Array is not { } read || snapshot.Positions.Count < 2 || !snapshot.Positions.Contains(keep))
        {
            return false;
        }

        var extra = snapshot.Positions.Where(p => p != keep).ToHashSet();
        var kept = new BsonArray(read.Where((_, i) => !extra.Contains(i)));
        var filter = new BsonDocument
        {
            { JobEntryFields.UserId, owner },
            { JobEntryFields.JobsArray, read },
        };
        var update = new BsonDocument("$set", new BsonDocument(JobEntryFields.JobsArray, kept));
        using var timeout = Deadline(cancellationToken);
        var result = await _users.UpdateOneAsync(filter, update, cancellationToken: timeout.Token).ConfigureAwait(false);
        return result.ModifiedCount == 1;
    }

    private static BsonDocument ByOwner(string owner) => new(JobEntryFields.UserId, owner);

    // The array has exactly `length` elements: the last expected index exists and the next does not.
    private static void AddLengthGuard(BsonDocument filter, int length)
    {
        filter[$"{JobEntryFields.JobsArray}.{length}"] = new BsonDocument("$exists", false);
        if (length > 0)
        {
            filter[$"{JobEntryFields.JobsArray}.{length - 1}"] = new BsonDocument("$exists", true);
        }
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_options.OperationTimeout);
        return source;
    }
}
