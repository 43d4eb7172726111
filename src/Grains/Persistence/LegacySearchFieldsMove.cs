using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// Moves the searchable fields of state documents written by earlier versions (under the sub-document
/// <see cref="MongoGrainStorage.LegacySearchFieldsField"/>) to the top level, where <see cref="MongoGrainStorage"/> writes
/// them now and where indexes serve them on FerretDB v1 too. One pass over the documents still in the old shape, in
/// <c>_id</c> order, one guarded update per document.
/// </summary>
/// <remarks>
/// Each update applies only while the document keeps the ETag it was read with, and leaves the ETag as it is: a grain
/// that saved meanwhile has already written the new shape (its update is skipped), and a grain holding the document's
/// ETag can still save over the moved document.
/// </remarks>
public sealed class LegacySearchFieldsMove
{
    private const string IdField = "_id";
    private const string ETagField = "etag";
    private const int PageSize = 500;

    private readonly IMongoCollection<BsonDocument> _states;

    public LegacySearchFieldsMove(IMongoCollection<BsonDocument> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        _states = states.WithWriteConcern(WriteConcern.WMajority);
    }

    /// <summary>Moves every document still in the old shape; returns how many it moved. Idempotent.</summary>
    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        long moved = 0;
        BsonValue? after = null;
        while (true)
        {
            var filter = new BsonDocument(MongoGrainStorage.LegacySearchFieldsField, new BsonDocument("$type", "object"));
            if (after is not null)
            {
                filter[IdField] = new BsonDocument("$gt", after);
            }

            var page = await _states.Find(filter)
                .Project(Builders<BsonDocument>.Projection.Include(ETagField).Include(MongoGrainStorage.LegacySearchFieldsField))
                .Sort(new BsonDocument(IdField, 1))
                .Limit(PageSize)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            foreach (var document in page)
            {
                moved += await MoveAsync(document, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }

            if (page.Count < PageSize)
            {
                return moved;
            }

            after = page[^1][IdField];
        }
    }

    private async Task<bool> MoveAsync(BsonDocument document, CancellationToken cancellationToken)
    {
        var set = new BsonDocument();
        foreach (var field in document[MongoGrainStorage.LegacySearchFieldsField].AsBsonDocument)
        {
            // The provider refuses such names at write; an old document holding one keeps it only in the sub-document.
            if (MongoGrainStorage.IsUsableSearchFieldName(field.Name))
            {
                set[field.Name] = field.Value;
            }
        }

        var update = new BsonDocument("$unset", new BsonDocument(MongoGrainStorage.LegacySearchFieldsField, ""));
        if (set.ElementCount > 0)
        {
            update["$set"] = set;
        }

        var guard = new BsonDocument
        {
            { IdField, document[IdField] },
            { ETagField, document.GetValue(ETagField, BsonNull.Value) },
        };
        var result = await _states.UpdateOneAsync(guard, update, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.ModifiedCount > 0;
    }
}
