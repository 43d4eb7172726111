using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// Sends the state writes of many grains as one database command (group commit): one loop takes the first waiting write
/// and every other one already waiting, up to <see cref="MongoGrainStorageOptions.MaxWriteBatchSize"/>, sends the inserts
/// as one unordered <c>insert</c> and the replaces as one unordered <c>update</c>, tells each caller its own outcome and
/// repeats while writes wait. No timer: a write that finds the loop idle is sent at once, alone; writes that arrive while
/// a batch is in flight wait for it and go together in the next one, so at low load nothing is added and under load the
/// silo's saves cost one command per batch instead of one each.
/// </summary>
/// <remarks>
/// Per write the semantics are a single write's: an insert fails on a duplicate key, a replace applies only where
/// <c>_id</c> and <c>etag</c> match. Two writes of one document never share a batch (the later waits for the next), so
/// they apply in the order they were made. A replace batch that matched fewer documents than it holds reads the
/// batch's stored ETags once: a write whose new ETag is stored succeeded, the others conflicted. (A write overwritten by
/// another silo between the two commands then counts as a conflict too: its grain re-reads the state, never loses it.)
/// An error of a whole command fails each of its writes with that error, for the caller to classify and retry.
/// </remarks>
internal sealed class StateWriteBatcher(IMongoCollection<BsonDocument> states, int maxBatchSize, TimeSpan timeout)
{
    private const string IdField = "_id";
    private const string ETagField = "etag";

    private static readonly InsertManyOptions Unordered = new() { IsOrdered = false };
    private static readonly BulkWriteOptions UnorderedBulk = new() { IsOrdered = false };

    private readonly Lock _gate = new();
    private readonly List<StateWrite> _waiting = [];
    private bool _sending;

    /// <summary>
    /// Queues <paramref name="write"/> and waits for its outcome: null when written, the conflict when its ETag did not
    /// match. Past the timeout (counted from now) a <see cref="TimeoutException"/>; a write still waiting then is
    /// withdrawn, one already sent may or may not have been applied.
    /// </summary>
    public async Task<StateWriteConflict?> WriteAsync(StateWrite write, CancellationToken cancellationToken)
    {
        bool start;
        lock (_gate)
        {
            _waiting.Add(write);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            // Off the caller's scheduler: the loop serves every grain of the silo.
            _ = Task.Run(SendWhileWaitingAsync, CancellationToken.None);
        }

        try
        {
            return await write.Outcome.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (_gate)
            {
                _waiting.Remove(write);
            }

            throw;
        }
    }

    private async Task SendWhileWaitingAsync()
    {
        while (true)
        {
            List<StateWrite> batch;
            lock (_gate)
            {
                batch = TakeBatch();
                if (batch.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }

            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    // The waiting writes in their order, at most one per document: a later write of a document already taken stays for
    // the next batch, and so does everything past the batch's size.
    private List<StateWrite> TakeBatch()
    {
        var batch = new List<StateWrite>(Math.Min(_waiting.Count, maxBatchSize));
        var documents = new HashSet<string>(StringComparer.Ordinal);
        var left = new List<StateWrite>();
        foreach (var write in _waiting)
        {
            if (batch.Count < maxBatchSize && documents.Add(write.Id))
            {
                batch.Add(write);
            }
            else
            {
                documents.Add(write.Id);
                left.Add(write);
            }
        }

        _waiting.Clear();
        _waiting.AddRange(left);
        return batch;
    }

    private async Task SendAsync(List<StateWrite> batch)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await Task.WhenAll(
            Guarded(batch.Where(w => w.ExpectedETag is null).ToList(), InsertAsync, deadline),
            Guarded(batch.Where(w => w.ExpectedETag is not null).ToList(), ReplaceAsync, deadline)).ConfigureAwait(false);
    }

    // Every write of the batch gets an outcome, whatever the command did: an error of the whole command is each one's.
    private static async Task Guarded(List<StateWrite> writes, Func<List<StateWrite>, CancellationToken, Task> send, CancellationTokenSource deadline)
    {
        if (writes.Count == 0)
        {
            return;
        }

        try
        {
            await send(writes, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var error = e is OperationCanceledException && deadline.IsCancellationRequested
                ? new TimeoutException($"a batch of {writes.Count} state writes did not complete in time", e)
                : e;
            foreach (var write in writes)
            {
                write.Outcome.TrySetException(error);
            }
        }
    }

    private async Task InsertAsync(List<StateWrite> writes, CancellationToken cancellationToken)
    {
        try
        {
            await states.InsertManyAsync(writes.Select(w => w.Document), Unordered, cancellationToken).ConfigureAwait(false);
        }
        catch (MongoBulkWriteException<BsonDocument> e) when (e.WriteConcernError is null && e.WriteErrors.Count > 0)
        {
            // Unordered: every write without an error of its own was applied.
            var errors = e.WriteErrors.ToDictionary(error => error.Index);
            for (var i = 0; i < writes.Count; i++)
            {
                if (!errors.TryGetValue(i, out var error))
                {
                    writes[i].Outcome.TrySetResult(null);
                }
                else if (error.Category == ServerErrorCategory.DuplicateKey)
                {
                    // Another activation (or an earlier attempt of this one whose reply was lost) created the record.
                    writes[i].Outcome.TrySetResult(new StateWriteConflict(null, e));
                }
                else
                {
                    writes[i].Outcome.TrySetException(OwnError(e, error));
                }
            }

            return;
        }

        foreach (var write in writes)
        {
            write.Outcome.TrySetResult(null);
        }
    }

    private async Task ReplaceAsync(List<StateWrite> writes, CancellationToken cancellationToken)
    {
        // No upsert (the model's default): a record that is gone is a conflict, as for a single replace.
        var models = writes.Select(w => new ReplaceOneModel<BsonDocument>(
            new BsonDocument { { IdField, w.Id }, { ETagField, w.ExpectedETag } }, w.Document));
        Dictionary<int, BulkWriteError> errors = [];
        MongoBulkWriteException<BsonDocument>? failure = null;
        try
        {
            var result = await states.BulkWriteAsync(models, UnorderedBulk, cancellationToken).ConfigureAwait(false);
            if (result.MatchedCount == writes.Count)
            {
                foreach (var write in writes)
                {
                    write.Outcome.TrySetResult(null);
                }

                return;
            }
        }
        catch (MongoBulkWriteException<BsonDocument> e) when (e.WriteConcernError is null && e.WriteErrors.Count > 0)
        {
            failure = e;
            errors = e.WriteErrors.ToDictionary(error => error.Index);
        }

        var stored = await StoredETagsAsync(writes, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var etag = stored.GetValueOrDefault(write.Id);
            if (etag == write.NewETag)
            {
                write.Outcome.TrySetResult(null);
            }
            else if (errors.TryGetValue(i, out var error))
            {
                write.Outcome.TrySetException(OwnError(failure!, error));
            }
            else
            {
                write.Outcome.TrySetResult(new StateWriteConflict(etag ?? "none", null));
            }
        }
    }

    private async Task<Dictionary<string, string?>> StoredETagsAsync(List<StateWrite> writes, CancellationToken cancellationToken)
    {
        var filter = new BsonDocument(IdField, new BsonDocument("$in", new BsonArray(writes.Select(w => w.Id))));
        var documents = await states.Find(filter)
            .Project(Builders<BsonDocument>.Projection.Include(ETagField))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return documents.ToDictionary(
            d => d[IdField].AsString,
            d => d.GetValue(ETagField, BsonNull.Value) is BsonString etag ? etag.Value : null,
            StringComparer.Ordinal);
    }

    // The error of one write of a bulk command, as the bulk exception a single write's caller classifies.
    private static MongoBulkWriteException<BsonDocument> OwnError(MongoBulkWriteException<BsonDocument> bulk, BulkWriteError error) =>
        new(bulk.ConnectionId, bulk.Result, [error], bulk.WriteConcernError, []);
}
