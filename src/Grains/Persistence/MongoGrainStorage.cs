using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// Orleans grain storage on MongoDB.Driver: one document per grain and state name in a collection of ours, guarded by an
/// ETag so that two activations of one grain (or a stale one) can never overwrite each other's state. A write with no
/// ETag inserts and fails if a record exists; a write or clear with an ETag applies only if the stored ETag is the same.
/// Every mismatch is an <see cref="InconsistentStateException"/>, which makes Orleans deactivate the grain so that its
/// next activation reads the stored state again. Writes use majority write concern and reads go to the primary with
/// majority read concern, so an acknowledged write is never lost to a failover nor missed by the next read. The
/// document shapes work on MongoDB and on FerretDB v1 alike (insert, replace and delete filtered by <c>_id</c> and
/// <c>etag</c>).
/// </summary>
/// <remarks>
/// Document: <c>_id</c> = <c>"{stateName}/{grainId}"</c>, <c>etag</c> (string, new on every write), <c>payload</c>
/// (the state as bytes of <see cref="MongoGrainStorageOptions.GrainStorageSerializer"/>), for people reading the
/// collection <c>grainType</c> and <c>updatedAt</c>, and the searchable fields of an <see cref="ISearchableGrainState"/>
/// beside them at the top level. Database errors are not wrapped: callers classify them with
/// <see cref="Storage.MongoErrorClassifier"/>.
/// </remarks>
public sealed partial class MongoGrainStorage : IGrainStorage
{
    private const string IdField = "_id";
    private const string ETagField = "etag";
    private const string PayloadField = "payload";
    private const string GrainTypeField = "grainType";
    private const string UpdatedAtField = "updatedAt";

    /// <summary>
    /// Where earlier versions kept a <see cref="ISearchableGrainState"/>'s fields (a sub-document, which FerretDB v1
    /// cannot search by index); documents still in that shape are moved by <see cref="LegacySearchFieldsMove"/>.
    /// </summary>
    public const string LegacySearchFieldsField = "fields";

    // The provider's own fields, and the legacy sub-document: no searchable field may take their names.
    private static readonly HashSet<string> ReservedFields =
        new([IdField, ETagField, PayloadField, GrainTypeField, UpdatedAtField, LegacySearchFieldsField], StringComparer.Ordinal);

    private readonly string _name;
    private readonly MongoGrainStorageOptions _options;
    private readonly IMongoCollection<BsonDocument> _states;
    private readonly IActivatorProvider _activators;
    private readonly ILogger<MongoGrainStorage> _logger;

    public MongoGrainStorage(
        string name,
        MongoGrainStorageOptions options,
        IMongoClient client,
        IActivatorProvider activators,
        ILogger<MongoGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(activators);
        ArgumentNullException.ThrowIfNull(logger);
        _name = name;
        _options = options;
        _activators = activators;
        _logger = logger;
        _states = client.GetDatabase(options.DatabaseName)
            .GetCollection<BsonDocument>(options.CollectionName)
            .WithWriteConcern(WriteConcern.WMajority)
            .WithReadConcern(ReadConcern.Majority)
            .WithReadPreference(ReadPreference.Primary);
    }

    /// <summary>
    /// The provider registered under <paramref name="name"/>: its named options, the <see cref="IMongoClient"/>
    /// registered under that name or else the silo's one, and Orleans' activators for default states.
    /// </summary>
    public static MongoGrainStorage Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new MongoGrainStorage(
            name,
            services.GetRequiredService<IOptionsMonitor<MongoGrainStorageOptions>>().Get(name),
            services.GetKeyedService<IMongoClient>(name) ?? services.GetRequiredService<IMongoClient>(),
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<ILogger<MongoGrainStorage>>());
    }

    /// <summary>
    /// Whether a searchable field may be stored under <paramref name="name"/>: not one of the provider's own fields nor
    /// the legacy sub-document, not empty, no leading '$' and no '.' (MongoDB would take those as operators or paths).
    /// </summary>
    internal static bool IsUsableSearchFieldName(string name) =>
        name.Length > 0 && !ReservedFields.Contains(name) && !name.StartsWith('$') && !name.Contains('.', StringComparison.Ordinal);

    // At the top level, where an index serves a search on FerretDB v1 too: it pushes an equality on a top-level field
    // down to its backend, never one on a dotted path.
    private void AddSearchFields(BsonDocument document, ISearchableGrainState state)
    {
        foreach (var (name, value) in state.SearchFields)
        {
            if (!IsUsableSearchFieldName(name))
            {
                throw new InvalidOperationException(
                    $"grain storage '{_name}': {state.GetType().Name} has a searchable field named '{name}', which is one of the provider's own fields " +
                    $"({string.Join(", ", ReservedFields)}) or not a plain field name; rename it");
            }

            document[name] = value switch
            {
                null => BsonNull.Value,
                DateTimeOffset time => new BsonDateTime(time.UtcDateTime),
                _ => BsonValue.Create(value),
            };
        }
    }

    /// <summary>The document <c>_id</c> of a grain's state: <c>"{stateName}/{grainId}"</c>.</summary>
    /// <remarks>
    /// State names may not contain '/', so the first '/' always ends the state name and no two (state name, grain)
    /// pairs share an id.
    /// </remarks>
    public static string DocumentId(string stateName, GrainId grainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        if (stateName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"state name '{stateName}' contains '/', which separates it from the grain id", nameof(stateName));
        }

        return $"{stateName}/{grainId}";
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <summary>
    /// Reads the stored state: with a record, its state, ETag and <c>RecordExists</c>; without one, a new default state,
    /// no ETag and no record (whatever <paramref name="grainState"/> held before).
    /// </summary>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var id = DocumentId(stateName, grainId);
        var document = await WithDeadline(
            id, "read",
            token => _states.Find(ById(id)).Limit(1).FirstOrDefaultAsync(token),
            cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            ResetToDefault(grainState);
            return;
        }

        if (document.GetValue(PayloadField, BsonNull.Value) is not BsonBinaryData payload || document.GetValue(ETagField, BsonNull.Value) is not BsonString)
        {
            // Only this provider writes the collection; a document without these fields was edited by hand.
            throw new InvalidDataException(
                $"grain storage '{_name}': document {id} in {_options.DatabaseName}.{_options.CollectionName} lacks a binary {PayloadField} or a string {ETagField}");
        }

        var state = _options.GrainStorageSerializer.Deserialize<T>(new BinaryData(payload.Bytes));
        grainState.State = state ?? CreateDefault<T>();
        grainState.ETag = document[ETagField].AsString;

        // The record exists even if it holds a null state: its ETag must guard the next write, which RecordExists
        // and ETag say together.
        grainState.RecordExists = true;
    }

    /// <summary>
    /// Writes the state: inserted when <c>ETag</c> is null, else replaced only if the stored ETag equals it. On
    /// success the state has a new ETag and <c>RecordExists</c>; on a mismatch nothing is written and
    /// <see cref="InconsistentStateException"/> tells the stored and the presented ETag.
    /// </summary>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var id = DocumentId(stateName, grainId);
        var expected = grainState.ETag;
        var next = NewETag();
        var document = new BsonDocument
        {
            { IdField, id },
            { ETagField, next },
            { GrainTypeField, grainId.Type.ToString() },
            { PayloadField, new BsonBinaryData(_options.GrainStorageSerializer.Serialize(grainState.State).ToArray(), BsonBinarySubType.Binary) },
            { UpdatedAtField, DateTime.UtcNow },
        };
        if (grainState.State is ISearchableGrainState searchable)
        {
            AddSearchFields(document, searchable);
        }

        if (expected is null)
        {
            try
            {
                await WithDeadline(id, "insert", async token =>
                {
                    await _states.InsertOneAsync(document, cancellationToken: token).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoWriteException e) when (e.WriteError?.Category == ServerErrorCategory.DuplicateKey)
            {
                // Another activation (or an earlier attempt of this one whose reply was lost) created the record.
                throw await ConflictAsync(id, "write", expected, e, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var result = await WithDeadline(
                id, "replace",
                token => _states.ReplaceOneAsync(ByIdAndETag(id, expected), document, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
            if (result.MatchedCount == 0)
            {
                throw await ConflictAsync(id, "write", expected, null, cancellationToken).ConfigureAwait(false);
            }
        }

        grainState.ETag = next;
        grainState.RecordExists = true;
    }

    /// <summary>
    /// Deletes the record if its ETag equals the state's; with no ETag, succeeds only if there is no record (this
    /// activation never saw one). Afterwards the state is the default, with no ETag and no record.
    /// </summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var id = DocumentId(stateName, grainId);
        var expected = grainState.ETag;
        if (expected is null)
        {
            if (await ReadETagAsync(id, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw await ConflictAsync(id, "clear", expected, null, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var result = await WithDeadline(
                id, "delete",
                token => _states.DeleteOneAsync(ByIdAndETag(id, expected), token),
                cancellationToken).ConfigureAwait(false);
            if (result.DeletedCount == 0)
            {
                throw await ConflictAsync(id, "clear", expected, null, cancellationToken).ConfigureAwait(false);
            }
        }

        ResetToDefault(grainState);
    }

    private static BsonDocument ById(string id) => new(IdField, id);

    private static BsonDocument ByIdAndETag(string id, string etag) => new() { { IdField, id }, { ETagField, etag } };

    // Unique per write, never reused after a clear, so a stale activation can never match a later record by chance.
    private static string NewETag() => Guid.NewGuid().ToString("N");

    private void ResetToDefault<T>(IGrainState<T> grainState)
    {
        grainState.State = CreateDefault<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private T CreateDefault<T>() => _activators.GetActivator<T>().Create();

    private async Task<string?> ReadETagAsync(string id, CancellationToken cancellationToken)
    {
        var document = await WithDeadline(
            id, "read etag",
            token => _states.Find(ById(id)).Project(Builders<BsonDocument>.Projection.Include(ETagField)).Limit(1).FirstOrDefaultAsync(token),
            cancellationToken).ConfigureAwait(false);
        return document?.GetValue(ETagField, BsonNull.Value) is BsonString etag ? etag.Value : null;
    }

    // Reads the stored ETag for the exception's message: the grain's log then shows whether another activation wrote
    // (a different ETag) or cleared (none). Best effort: the conflict is certain, the diagnosis is not worth a second failure.
    private async Task<InconsistentStateException> ConflictAsync(string id, string operation, string? presented, Exception? cause, CancellationToken cancellationToken)
    {
        string stored;
        try
        {
            stored = await ReadETagAsync(id, cancellationToken).ConfigureAwait(false) ?? "none";
        }
        catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException)
        {
            stored = "unknown";
        }

        LogConflict(_name, operation, id, stored, presented ?? "none");
        return new InconsistentStateException(
            $"grain storage '{_name}': {operation} of {id} in {_options.DatabaseName}.{_options.CollectionName} presented ETag {presented ?? "none"}, the stored ETag is {stored}",
            stored,
            presented ?? "none",
            cause);
    }

    // Every database call ends by the operation timeout. A call our deadline cut short becomes a TimeoutException (the
    // outcome of a write is then unknown; the next write's ETag check settles it); the caller's own cancellation
    // stays an OperationCanceledException.
    private async Task<TResult> WithDeadline<TResult>(string id, string operation, Func<CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OperationTimeout);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"grain storage '{_name}': {operation} of {id} did not complete within {_options.OperationTimeout}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "grain storage {Provider}: {Operation} of {Id} refused: stored ETag {Stored}, presented {Presented}")]
    private partial void LogConflict(string provider, string operation, string id, string stored, string presented);
}
