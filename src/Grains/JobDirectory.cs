using System.Collections.Immutable;
using AgentJobSync.Grains.Persistence;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains;

/// <summary>
/// Searches the AgentJob grains' durable bookkeeping (the searchable fields <see cref="MongoGrainStorage"/> keeps at the
/// top level of each state document) so the dashboard and the watch host can ask "which jobs do we know" without
/// activating a grain per job. Reads go to the primary with majority read concern like every other read of ours.
/// </summary>
public sealed class JobDirectory
{
    private readonly IMongoCollection<BsonDocument> _states;
    private readonly string _flags;

    public JobDirectory(IMongoClient client, IOptionsMonitor<MongoGrainStorageOptions> options, IOptions<SyncOptions> sync)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sync);
        _flags = sync.Value.Flags.Fingerprint;
        var storage = options.Get(AgentJobGrain.StorageName);
        _states = client.GetDatabase(storage.DatabaseName)
            .GetCollection<BsonDocument>(storage.CollectionName)
            .WithReadConcern(ReadConcern.Majority)
            .WithReadPreference(ReadPreference.Primary);
    }

    /// <summary>The indexes every search pages along: UID order, by owner, the not-in-sync list.</summary>
    public static readonly IReadOnlyList<string> IndexNames = ["job_uid", "job_owner_uid", "job_insync_uid"];

    // The indexes of earlier versions, on the fields' old place (the sub-document): nothing searches them any more, and
    // every write would keep updating them.
    private static readonly string[] LegacyIndexNames = ["directory_uid", "directory_owner_uid", "directory_insync_uid"];

    /// <summary>
    /// Creates the indexes every search pages along (UID order; by owner; the not-in-sync list), so a page is an index
    /// range, not a scan and sort of every job's state (100,000 at the target scale), and drops those of earlier versions.
    /// The fields are top-level, so FerretDB v1 pushes an equality on them down to its backend (it never does for a dotted
    /// path), where the single-field index on <c>uid</c> (what paging, seeding and a job's lookup use) gets the GIN twin
    /// the test server gives each single-field index. Idempotent. One index per command:
    /// FerretDB v1.24 drops the connection (a panic on its side) when one createIndexes names several that exist.
    /// </summary>
    public async Task EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        CreateIndexModel<BsonDocument>[] indexes =
        [
            Index(IndexNames[0], Fields.Uid),
            Index(IndexNames[1], Fields.Owner, Fields.Uid),
            Index(IndexNames[2], Fields.InSync, Fields.Uid),
        ];
        foreach (var index in indexes)
        {
            await _states.Indexes.CreateOneAsync(index, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var existing = await (await _states.Indexes.ListAsync(cancellationToken).ConfigureAwait(false))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var legacy in existing.Select(i => i["name"].AsString).Intersect(LegacyIndexNames, StringComparer.Ordinal))
        {
            await _states.Indexes.DropOneAsync(legacy, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Moves the searchable fields of documents written by earlier versions to where the searches look (see
    /// <see cref="LegacySearchFieldsMove"/>); returns how many documents it moved.
    /// </summary>
    public Task<long> MoveLegacyFieldsAsync(CancellationToken cancellationToken) =>
        new LegacySearchFieldsMove(_states).RunAsync(cancellationToken);

    private static CreateIndexModel<BsonDocument> Index(string name, params string[] fields) => new(
        Builders<BsonDocument>.IndexKeys.Combine(fields.Select(f => Builders<BsonDocument>.IndexKeys.Ascending(f))),
        new CreateIndexOptions { Name = name });

    /// <summary>The largest page <see cref="FindAsync"/> returns.</summary>
    public const int MaxLimit = 1000;

    public async Task<ImmutableArray<JobSummary>> FindAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new BsonDocument(Fields.Uid, new BsonDocument("$exists", true));
        AddEquals(filter, Fields.Owner, query.Owner);
        AddEquals(filter, Fields.Namespace, query.Namespace);
        AddEquals(filter, Fields.Name, query.Name);
        if (query.NotInSyncOnly)
        {
            filter[Fields.InSync] = false;
        }

        if (query.LiveOnly)
        {
            filter[Fields.Deleted] = false;
        }

        // Uid equality and paging both constrain the same field; an exact UID wins.
        if (query.Uid is not null)
        {
            filter[Fields.Uid] = query.Uid;
        }
        else if (query.AfterUid is not null)
        {
            filter[Fields.Uid] = new BsonDocument("$gt", query.AfterUid);
        }

        var documents = await _states.Find(filter)
            .Sort(new BsonDocument(Fields.Uid, 1))
            .Limit(Math.Clamp(query.Limit, 1, MaxLimit))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return [.. documents.Select(d => ToSummary(d, _flags))];
    }

    private static void AddEquals(BsonDocument filter, string field, string? value)
    {
        if (value is not null)
        {
            filter[field] = value;
        }
    }

    // A settled version counts only under the flags it was decided under (a flag turned on since must be applied).
    private static JobSummary ToSummary(BsonDocument document, string flags)
    {
        string? Text(string name) => document.GetValue(name, BsonNull.Value) is BsonString s ? s.Value : null;
        bool Flag(string name) => document.GetValue(name, BsonNull.Value) is BsonBoolean b && b.Value;
        return new JobSummary(
            Text(Fields.Uid)!,
            Text(Fields.Namespace),
            Text(Fields.Name),
            Text(Fields.Owner),
            Enum.TryParse<JobState>(Text(Fields.State), out var state) ? state : null,
            Enum.TryParse<SyncReason>(Text(Fields.Reason), out var reason) ? reason : null,
            Text(Fields.Error),
            Flag(Fields.EntryCreated),
            Flag(Fields.RemovedByOwner),
            Flag(Fields.Deleted),
            document.GetValue(Fields.Revision, 0).ToInt64(),
            document.GetValue("updatedAt", BsonNull.Value) is BsonDateTime at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.MinValue,
            Text(Fields.SettledUnder) == flags ? Text(Fields.SettledVersion) : null);
    }

    /// <summary>Names of the searchable fields of <see cref="AgentJobGrainState"/>.</summary>
    public static class Fields
    {
        public const string Uid = "uid";
        public const string Namespace = "namespace";
        public const string Name = "name";
        public const string Owner = "owner";
        public const string State = "state";
        public const string Reason = "reason";
        public const string InSync = "inSync";
        public const string Error = "error";
        public const string EntryCreated = "entryCreated";
        public const string RemovedByOwner = "removedByOwner";
        public const string Deleted = "deleted";
        public const string Revision = "revision";
        public const string SettledVersion = "settledVersion";
        public const string SettledUnder = "settledUnder";
    }
}
