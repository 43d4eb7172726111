using System.Collections.Concurrent;
using AgentJobSync.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.Storage;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// The grain writes the owner's entry first and its own bookkeeping second. A crash between the two (the entry is in
/// the document, the bookkeeping never saved) must leave nothing wrong: the next activation finds the entry by its id in
/// a fresh read, adopts it, and carries on with one entry and continuous revisions.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrashBetweenWritesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_entry_written_without_its_bookkeeping_is_adopted_by_the_next_activation()
    {
        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var uid = Guid.NewGuid().ToString();
        var cluster = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 1, b => b.AddSiloBuilderConfigurator<UnsavableBookkeeping>());
        try
        {
            UnsavableBookkeeping.FailWritesOf.TryAdd(uid, 0);
            var first = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "executing", 1));
            Assert.Equal(SyncReason.DatabaseUnavailable, first.Reason);
            var written = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            Assert.Equal(1, written["sync_rev"].ToInt64());
            Assert.Equal(0, await GrainStateRecordsAsync(uid));

            // The crash: the activation and everything it remembered are gone; only the document knows the entry.
            await cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            UnsavableBookkeeping.FailWritesOf.TryRemove(uid, out _);
            var next = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).ObserveAsync(Jobs.Observe(uid, owner, "completed", 2));

            Assert.Equal(SyncReason.Synced, next.Reason);
            var entry = Assert.Single(Jobs.Entries(await Jobs.UserAsync(fixture.Users, owner), uid));
            Assert.Equal("Complete", entry["status"].AsString);
            Assert.Equal(2, entry["sync_rev"].ToInt64());
            var inspection = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync();
            Assert.True(inspection.EntryCreated);
            Assert.Equal(2, inspection.Revision);
            Assert.Equal(1, await GrainStateRecordsAsync(uid));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private async Task<long> GrainStateRecordsAsync(string uid)
    {
        var states = fixture.Mongo.Client.GetDatabase(MongoGrainStorageOptions.DefaultDatabaseName).GetCollection<BsonDocument>(MongoGrainStorageOptions.DefaultCollectionName);
        return await states.CountDocumentsAsync(new BsonDocument("_id", new BsonRegularExpression($"{uid}$")));
    }

    /// <summary>The grain's storage provider, with its writes failing for chosen jobs as if the silo died first.</summary>
    private sealed class UnsavableBookkeeping : ISiloConfigurator
    {
        public static readonly ConcurrentDictionary<string, byte> FailWritesOf = new();

        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(AgentJobGrain.StorageName, (services, _) =>
                new FailingWrites(MongoGrainStorage.Create(services, AgentJobGrain.StorageName)));

        private sealed class FailingWrites(IGrainStorage inner) : IGrainStorage
        {
            public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

            public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
                FailWritesOf.ContainsKey(grainId.Key.ToString()!)
                    ? throw new TimeoutException("the silo died before the bookkeeping was saved")
                    : inner.WriteStateAsync(stateName, grainId, grainState);

            public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
        }
    }
}
