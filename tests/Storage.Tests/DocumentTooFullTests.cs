using System.Net;
using AgentJobSync.Grains;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// The synchronizer's decisions when the owner's document cannot take the job's nodes, against a store that answers as
/// MongoDB does (code 17419: the document after the update would exceed 16 MiB) for every write that carries nodes.
/// FerretDB v1 never answers so (it stores documents past the limit), hence a stub here; <see cref="ForeignInputTests"/>
/// runs the same on the real server.
/// </summary>
public sealed class DocumentTooFullTests
{
    private const string Owner = "8d3c0a52-98b4-4b8e-9d4e-5f0a0c6a1b11";

    [Fact]
    public async Task An_update_the_document_cannot_take_with_its_nodes_writes_the_state_alone()
    {
        var uid = Guid.NewGuid().ToString();
        var store = new FullDocumentStore(new BsonDocument { { "id", uid }, { "status", "Pending" }, { "sync_rev", 4L }, { "nodes", new BsonArray() } });

        var result = await SyncAsync(store, uid);

        Assert.Equal((SyncReason.EntryTooLarge, JobState.Executing, 5L), (result.Outcome.Reason, result.Outcome.PersistedState, result.Outcome.Revision));
        Assert.Equal(JobState.Executing, result.Written);
        var entry = store.Jobs[0].AsBsonDocument;
        Assert.Equal(("Executing", 5L, 0), (entry["status"].AsString, entry["sync_rev"].ToInt64(), entry["nodes"].AsBsonArray.Count));
        Assert.Equal(1, store.Refusals);
    }

    [Fact]
    public async Task A_new_entry_the_document_cannot_take_with_its_nodes_is_created_with_its_state_alone()
    {
        var uid = Guid.NewGuid().ToString();
        var store = new FullDocumentStore();

        var result = await SyncAsync(store, uid);

        Assert.Equal((SyncReason.EntryTooLarge, JobState.Executing), (result.Outcome.Reason, result.Outcome.PersistedState));
        Assert.True(result.EntryPresent);
        var entry = Assert.Single(store.Jobs).AsBsonDocument;
        Assert.Equal("Executing", entry["status"].AsString);
        Assert.False(entry.Contains("nodes"));
        Assert.Equal(1, store.Refusals);
    }

    private static async Task<EntrySyncResult> SyncAsync(FullDocumentStore store, string uid)
    {
        using var meters = new TestMeterFactory();
        var synchronizer = new EntrySynchronizer(store, Options.Create(new SyncOptions()), new SyncMetrics(meters), TimeProvider.System, NullLogger<EntrySynchronizer>.Instance);
        var observation = new JobObservation(
            uid, "ns", "job", Owner, "executing", [new NodeObservation("a", "running", "{\"x\":1}", "2025-01-01T00:00:00Z")],
            DateTimeOffset.UtcNow, null, null, null, false, DateTimeOffset.UtcNow, "1");
        return await synchronizer.SyncAsync(observation, JobState.Executing, new NewJobBookkeeping(), known: null, CancellationToken.None);
    }

    /// <summary>One user's <c>jobs</c> in memory; every write carrying <c>nodes</c> is refused with code 17419.</summary>
    private sealed class FullDocumentStore(params BsonDocument[] jobs) : IUserJobsStore
    {
        private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017)));

        public BsonArray Jobs { get; } = new(jobs);

        public int Refusals { get; private set; }

        public Task<UserDocumentRead> ReadAsync(string owner, string uid, CancellationToken cancellationToken) =>
            Task.FromResult(new UserDocumentRead(true, JobsSnapshot.Of(Jobs.DeepClone(), uid), false));

        public Task<bool> InsertIfAbsentAsync(string owner, BsonDocument entry, int? expectedLength, CancellationToken cancellationToken)
        {
            Refuse(entry);
            Jobs.Add(entry);
            return Task.FromResult(true);
        }

        public bool UserIdsUnique => true;

        public Task<JobsSnapshot?> AppendAsync(string owner, BsonDocument entry, CancellationToken cancellationToken)
        {
            Refuse(entry);
            Jobs.Add(entry);
            return Task.FromResult<JobsSnapshot?>(JobsSnapshot.Of(Jobs.DeepClone(), entry["id"].AsString));
        }

        public Task<JobsSnapshot?> UpdateEntryAsync(string owner, int index, string uid, EntryRevision revision, BsonDocument fields, CancellationToken cancellationToken)
        {
            Refuse(fields);
            var entry = Jobs[index].AsBsonDocument;
            if (EntryRevision.Of(entry) != revision)
            {
                return Task.FromResult<JobsSnapshot?>(null);
            }

            entry.Merge(fields, overwriteExistingElements: true);
            entry["sync_rev"] = revision.Next;
            return Task.FromResult<JobsSnapshot?>(JobsSnapshot.Of(Jobs.DeepClone(), uid));
        }

        public Task<bool> RemoveExtraCopiesAsync(string owner, JobsSnapshot snapshot, int keep, CancellationToken cancellationToken) => Task.FromResult(false);

        private void Refuse(BsonDocument written)
        {
            if (written.Contains("nodes"))
            {
                Refusals++;
                throw new MongoCommandException(
                    Connection,
                    "Resulting document after update is larger than 16777216",
                    new BsonDocument("update", "users"),
                    new BsonDocument { { "ok", 0 }, { "code", 17419 }, { "errmsg", "Resulting document after update is larger than 16777216" } });
            }
        }
    }
}
