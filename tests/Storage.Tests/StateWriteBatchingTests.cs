using AgentJobSync.Grains.Persistence;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.Storage;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// <see cref="MongoGrainStorage"/> sends the writes of different grains that wait while a write is in flight as one
/// command, and each caller still gets its own outcome. The provider under test talks through a proxy that delays every
/// reply, so that writes made once the first command is sent queue while it is in flight; a second provider without
/// delay arranges and reads back.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class StateWriteBatchingTests(DatabaseFixture db)
{
    private const string StateName = "job";
    private const int ReplyDelayMs = 150;

    [Fact]
    public async Task Concurrent_writes_of_different_grains_go_in_fewer_commands_than_writes_each_at_most_the_batch_size()
    {
        await using var slow = await SlowStorage.StartAsync(db, maxBatchSize: 16);
        using var fast = FastStorage(slow.Database);
        var grains = Enumerable.Range(0, 100).Select(_ => NewGrainId()).ToList();
        var states = grains.Select((_, i) => new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = $"first-{i}" } }).ToList();

        await Task.WhenAll(grains.Select((grain, i) => slow.Storage.WriteStateAsync(StateName, grain, states[i])));
        foreach (var (state, i) in states.Select((s, i) => (s, i)))
        {
            state.State = new BookkeepingProbe { Owner = $"second-{i}" };
        }

        await Task.WhenAll(grains.Select((grain, i) => slow.Storage.WriteStateAsync(StateName, grain, states[i])));

        var inserts = slow.Log.Count("insert");
        var updates = slow.Log.Count("update");
        Assert.InRange(inserts, 100 / 16, 99);
        Assert.InRange(updates, 100 / 16, 99);
        Assert.All(slow.Log.Commands, c => Assert.InRange(c.Ids.Count, 1, 16));
        for (var i = 0; i < grains.Count; i++)
        {
            var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
            await fast.Storage.ReadStateAsync(StateName, grains[i], read);
            Assert.Equal((states[i].ETag, $"second-{i}"), (read.ETag, read.State.Owner));
        }
    }

    [Fact]
    public async Task In_one_batch_a_stale_replace_and_a_duplicate_insert_conflict_while_the_others_succeed()
    {
        await using var slow = await SlowStorage.StartAsync(db);
        using var fast = FastStorage(slow.Database);
        var (stale, staleState, current) = await ArrangeStaleAsync(fast.Storage);
        var taken = NewGrainId();
        var takenState = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "taken" } };
        await fast.Storage.WriteStateAsync(StateName, taken, takenState);
        var existing = Enumerable.Range(0, 10).Select(_ => NewGrainId()).ToList();
        var existingStates = existing.Select(_ => new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "old" } }).ToList();
        await Task.WhenAll(existing.Select((grain, i) => fast.Storage.WriteStateAsync(StateName, grain, existingStates[i])));
        existingStates.ForEach(s => s.State = new BookkeepingProbe { Owner = "replaced" });
        var fresh = Enumerable.Range(0, 10).Select(_ => NewGrainId()).ToList();
        var freshStates = fresh.Select(_ => new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "inserted" } }).ToList();
        var duplicate = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "duplicate" } };
        var before = await RawAsync(slow.Database, stale, taken);

        var blocker = slow.Storage.WriteStateAsync(StateName, NewGrainId(), new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() });
        await slow.Log.FirstSent.WaitAsync(TimeSpan.FromSeconds(30));
        var staleWrite = CaptureAsync(slow.Storage.WriteStateAsync(StateName, stale, staleState));
        var duplicateWrite = CaptureAsync(slow.Storage.WriteStateAsync(StateName, taken, duplicate));
        var others = existing.Select((grain, i) => CaptureAsync(slow.Storage.WriteStateAsync(StateName, grain, existingStates[i])))
            .Concat(fresh.Select((grain, i) => CaptureAsync(slow.Storage.WriteStateAsync(StateName, grain, freshStates[i])))).ToList();
        await blocker;

        var staleConflict = Assert.IsType<InconsistentStateException>(await staleWrite);
        Assert.Equal((current, staleState.ETag), (staleConflict.StoredEtag, staleConflict.CurrentEtag));
        var duplicateConflict = Assert.IsType<InconsistentStateException>(await duplicateWrite);
        Assert.Equal((takenState.ETag, "none"), (duplicateConflict.StoredEtag, duplicateConflict.CurrentEtag));
        Assert.Null(duplicate.ETag);
        Assert.All(await Task.WhenAll(others), Assert.Null);
        Assert.Equal(before, await RawAsync(slow.Database, stale, taken));

        // They did share their commands with writes that succeeded.
        Assert.Contains(slow.Log.Commands, c => c.Name == "update" && c.Ids.Contains(Id(stale)) && c.Ids.Count > 1);
        Assert.Contains(slow.Log.Commands, c => c.Name == "insert" && c.Ids.Contains(Id(taken)) && c.Ids.Count > 1);
        foreach (var (grain, state) in existing.Zip(existingStates).Concat(fresh.Zip(freshStates)))
        {
            var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
            await fast.Storage.ReadStateAsync(StateName, grain, read);
            Assert.Equal((state.ETag, state.State?.Owner), (read.ETag, read.State.Owner));
        }
    }

    [Fact]
    public async Task Two_writes_of_one_grain_in_flight_at_once_go_in_separate_commands_and_the_later_one_conflicts()
    {
        await using var slow = await SlowStorage.StartAsync(db);
        using var fast = FastStorage(slow.Database);
        var replaced = NewGrainId();
        var original = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "original" } };
        await fast.Storage.WriteStateAsync(StateName, replaced, original);
        var firstReplace = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "first" }, ETag = original.ETag, RecordExists = true };
        var secondReplace = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "second" }, ETag = original.ETag, RecordExists = true };
        var inserted = NewGrainId();
        var firstInsert = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "first" } };
        var secondInsert = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "second" } };

        var blocker = slow.Storage.WriteStateAsync(StateName, NewGrainId(), new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() });
        await slow.Log.FirstSent.WaitAsync(TimeSpan.FromSeconds(30));
        var writes = new[]
        {
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, replaced, firstReplace)),
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, inserted, firstInsert)),
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, NewGrainId(), new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() })),
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, replaced, secondReplace)),
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, inserted, secondInsert)),
        };
        await blocker;
        var outcomes = await Task.WhenAll(writes);

        Assert.Equal([null, null, null], outcomes[..3]);
        Assert.Equal(firstReplace.ETag, Assert.IsType<InconsistentStateException>(outcomes[3]).StoredEtag);
        Assert.Equal(firstInsert.ETag, Assert.IsType<InconsistentStateException>(outcomes[4]).StoredEtag);
        foreach (var (grain, first) in new[] { (replaced, firstReplace), (inserted, firstInsert) })
        {
            var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
            await fast.Storage.ReadStateAsync(StateName, grain, read);
            Assert.Equal((first.ETag, "first"), (read.ETag, read.State.Owner));
        }

        Assert.Contains(slow.Log.Commands, c => c.Ids.Contains(Id(inserted)) && c.Ids.Count > 1);
        Assert.All(slow.Log.Commands, c => Assert.Equal(c.Ids.Count, c.Ids.Distinct().Count()));
    }

    [Fact]
    public async Task A_database_error_of_a_batch_fails_each_of_its_writes_with_that_error()
    {
        // Longer than any database name MongoDB or FerretDB accepts (64 and 63 characters): the server refuses every
        // command on it, which the options cannot know beforehand.
        await using var slow = await SlowStorage.StartAsync(db, database: new string('x', 70));
        var grains = Enumerable.Range(0, 20).Select(_ => NewGrainId()).ToList();

        var outcomes = await Task.WhenAll(grains.Select(grain =>
            CaptureAsync(slow.Storage.WriteStateAsync(StateName, grain, new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() }))));

        Assert.All(outcomes, o => Assert.IsAssignableFrom<MongoCommandException>(o));
        var commands = slow.Log.Count("insert");
        Assert.InRange(commands, 1, grains.Count - 1);
        Assert.Equal(commands, outcomes.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void A_write_batch_size_outside_its_range_is_refused_naming_the_setting()
    {
        Assert.Equal(256, new MongoGrainStorageOptions().MaxWriteBatchSize);
        foreach (var size in new[] { 0, 10_001 })
        {
            using var silo = new StorageSiloHost(db.Mongo.Client, options => options.MaxWriteBatchSize = size);
            var refused = Assert.Throws<OptionsValidationException>(() => silo.Resolve());
            Assert.Contains(refused.Failures, f => f.Contains(nameof(MongoGrainStorageOptions.MaxWriteBatchSize), StringComparison.Ordinal));
        }
    }

    private static GrainId NewGrainId() => GrainId.Create("agentjob", Guid.NewGuid().ToString());

    private static string Id(GrainId grain) => MongoGrainStorage.DocumentId(StateName, grain);

    // A grain written twice, and a state holding the ETag of its first write.
    private static async Task<(GrainId Grain, GrainState<BookkeepingProbe> Stale, string Current)> ArrangeStaleAsync(IGrainStorage storage)
    {
        var grain = NewGrainId();
        var state = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "first" } };
        await storage.WriteStateAsync(StateName, grain, state);
        var stale = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe { Owner = "stale" }, ETag = state.ETag, RecordExists = true };
        state.State = new BookkeepingProbe { Owner = "second" };
        await storage.WriteStateAsync(StateName, grain, state);
        return (grain, stale, state.ETag!);
    }

    private static async Task<Exception?> CaptureAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e) when (e is InconsistentStateException or MongoException or TimeoutException)
        {
            return e;
        }
    }

    private async Task<List<BsonDocument>> RawAsync(string database, params GrainId[] grains) =>
        await db.Mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(MongoGrainStorageOptions.DefaultCollectionName)
            .Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(grains.Select(Id))))).SortBy(d => d["_id"]).ToListAsync();

    private StorageSiloHost FastStorage(string database)
    {
        var silo = new StorageSiloHost(db.Mongo.Client, options =>
        {
            options.DatabaseName = database;
            options.OperationTimeout = TimeSpan.FromSeconds(30);
        });
        silo.Resolve();
        return silo;
    }

    /// <summary>The provider under test, on a client whose replies are delayed and whose write commands are logged.</summary>
    private sealed class SlowStorage : IAsyncDisposable
    {
        private readonly Toxiproxy _faults;
        private readonly StorageSiloHost _silo;

        private SlowStorage(Toxiproxy faults, StorageSiloHost silo, WriteCommandLog log, string database)
        {
            _faults = faults;
            _silo = silo;
            Log = log;
            Database = database;
        }

        public IGrainStorage Storage => _silo.Storage;

        public WriteCommandLog Log { get; }

        public string Database { get; }

        public static async Task<SlowStorage> StartAsync(DatabaseFixture db, int? maxBatchSize = null, string? database = null)
        {
            database ??= db.NewDatabaseName("batches");
            var faults = await Toxiproxy.StartAsync();
            try
            {
                var proxy = await faults.AddProxyAsync($"slow-{Guid.NewGuid():N}", $"127.0.0.1:{db.Mongo.Proxy.Port}");
                await proxy.AddLatencyAsync(ReplyDelayMs);
                var log = new WriteCommandLog(database);
                var client = db.Mongo.CreateClient($"mongodb://{proxy.Listen}/?directConnection=true", settings =>
                {
                    settings.ApplicationName = $"batches-{Guid.NewGuid():N}";
                    settings.ClusterConfigurator = cluster => cluster.Subscribe<MongoDB.Driver.Core.Events.CommandStartedEvent>(log.OnStarted);
                });
                var silo = new StorageSiloHost(client, options =>
                {
                    options.DatabaseName = database;
                    options.OperationTimeout = TimeSpan.FromSeconds(30);
                    options.MaxWriteBatchSize = maxBatchSize ?? MongoGrainStorageOptions.DefaultMaxWriteBatchSize;
                });
                silo.Resolve();
                return new SlowStorage(faults, silo, log, database);
            }
            catch
            {
                await faults.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _silo.Dispose();
            await _faults.DisposeAsync();
        }
    }
}
