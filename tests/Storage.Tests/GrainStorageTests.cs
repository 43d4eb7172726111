using AgentJobSync.Grains.Persistence;
using AgentJobSync.Grains.Storage;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.Storage;
using Orleans.TestingHost;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// <see cref="MongoGrainStorage"/> against the real MongoDB-wire server, with the semantics Orleans' storage provider
/// test kit expects. Each provider is the one a silo resolves: built by <c>AddMongoGrainStorage</c> inside an Orleans
/// silo host (its DI, its JSON grain-state serializer, its activators), not started; a second host with a client of
/// its own plays another silo. The last test runs a real <see cref="TestCluster"/>.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class GrainStorageTests(DatabaseFixture db)
{
    private const string StorageName = StorageSiloHost.StorageName;
    private const string StateName = "job";

    [Fact]
    public async Task Reading_a_missing_record_gives_a_default_state_without_etag_or_record()
    {
        using var silo = NewSilo(db.NewDatabaseName("grains"));
        var state = new GrainState<BookkeepingProbe> { State = SampleState("stale"), ETag = "stale-etag", RecordExists = true };

        await silo.Storage.ReadStateAsync(StateName, NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotNull(state.State);
        Assert.Equivalent(new BookkeepingProbe(), state.State, strict: true);
    }

    [Fact]
    public async Task A_written_state_with_nested_collections_reads_back_equal_and_is_stored_as_one_document()
    {
        var database = db.NewDatabaseName("grains");
        using var silo = NewSilo(database);
        var grainId = NewGrainId();
        var written = new GrainState<BookkeepingProbe> { State = SampleState("owner-1") };

        await silo.Storage.WriteStateAsync(StateName, grainId, written);
        var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        await silo.Storage.ReadStateAsync(StateName, grainId, read);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equivalent(SampleState("owner-1"), read.State, strict: true);

        var documents = await States(database).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var document = Assert.Single(documents);
        Assert.Equal($"{StateName}/{grainId}", document["_id"].AsString);
        Assert.Equal(MongoGrainStorage.DocumentId(StateName, grainId), document["_id"].AsString);
        Assert.Equal(written.ETag, document["etag"].AsString);
        Assert.Equal("agentjob", document["grainType"].AsString);
        Assert.True(document["payload"].IsBsonBinaryData);
        Assert.True(document["updatedAt"].IsValidDateTime);
    }

    [Fact]
    public async Task Every_write_gets_a_new_etag_and_state_names_of_one_grain_are_separate_records()
    {
        var database = db.NewDatabaseName("grains");
        using var silo = NewSilo(database);
        var grainId = NewGrainId();
        var job = new GrainState<BookkeepingProbe> { State = SampleState("a") };
        var other = new GrainState<BookkeepingProbe> { State = SampleState("b") };

        await silo.Storage.WriteStateAsync(StateName, grainId, job);
        var first = job.ETag;
        await silo.Storage.WriteStateAsync(StateName, grainId, job);
        await silo.Storage.WriteStateAsync("other", grainId, other);

        Assert.NotEqual(first, job.ETag);
        var readJob = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        var readOther = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        await silo.Storage.ReadStateAsync(StateName, grainId, readJob);
        await silo.Storage.ReadStateAsync("other", grainId, readOther);
        Assert.Equal("a", readJob.State.Owner);
        Assert.Equal("b", readOther.State.Owner);
        Assert.Equal(2, await States(database).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_throws_InconsistentStateException_and_changes_nothing()
    {
        var database = db.NewDatabaseName("grains");
        using var silo = NewSilo(database);
        var grainId = NewGrainId();
        var current = new GrainState<BookkeepingProbe> { State = SampleState("first") };
        await silo.Storage.WriteStateAsync(StateName, grainId, current);
        var staleETag = current.ETag;
        current.State = SampleState("second");
        await silo.Storage.WriteStateAsync(StateName, grainId, current);
        var before = await RawAsync(database, grainId);

        var stale = new GrainState<BookkeepingProbe> { State = SampleState("stale"), ETag = staleETag, RecordExists = true };
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => silo.Storage.WriteStateAsync(StateName, grainId, stale));

        Assert.Equal(current.ETag, conflict.StoredEtag);
        Assert.Equal(staleETag, conflict.CurrentEtag);
        Assert.Equal(staleETag, stale.ETag);
        Assert.Equal(before, await RawAsync(database, grainId));
        var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        await silo.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("second", read.State.Owner);
        Assert.Equal(current.ETag, read.ETag);
    }

    [Fact]
    public async Task Concurrent_first_writes_of_one_grain_from_two_silos_let_exactly_one_win()
    {
        var database = db.NewDatabaseName("grains");
        using var siloA = NewSilo(database);
        using var siloB = NewSilo(database, db.NewSeparateClient());
        var silos = new[] { siloA, siloB };

        for (var round = 0; round < 5; round++)
        {
            var grainId = NewGrainId();
            var states = Enumerable.Range(0, 8).Select(i => new GrainState<BookkeepingProbe> { State = SampleState($"writer-{i}") }).ToList();

            var outcomes = await Task.WhenAll(states.Select((state, i) => CaptureAsync(silos[i % 2].Storage.WriteStateAsync(StateName, grainId, state))));

            var winners = Enumerable.Range(0, states.Count).Where(i => outcomes[i] is null).ToList();
            var winner = Assert.Single(winners);
            Assert.All(outcomes.Where(o => o is not null), o => Assert.IsType<InconsistentStateException>(o));
            Assert.All(states.Where((_, i) => i != winner), s => Assert.Null(s.ETag));
            var read = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
            await siloB.Storage.ReadStateAsync(StateName, grainId, read);
            Assert.Equal($"writer-{winner}", read.State.Owner);
            Assert.Equal(states[winner].ETag, read.ETag);
        }
    }

    [Fact]
    public async Task Clear_with_the_current_etag_removes_the_record_and_a_second_clear_finds_nothing_to_do()
    {
        var database = db.NewDatabaseName("grains");
        using var silo = NewSilo(database);
        var grainId = NewGrainId();
        var state = new GrainState<BookkeepingProbe> { State = SampleState("doomed") };
        await silo.Storage.WriteStateAsync(StateName, grainId, state);

        await silo.Storage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equivalent(new BookkeepingProbe(), state.State, strict: true);
        Assert.Null(await RawAsync(database, grainId));
        var read = new GrainState<BookkeepingProbe> { State = SampleState("stale"), ETag = "x", RecordExists = true };
        await silo.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);

        await silo.Storage.ClearStateAsync(StateName, grainId, state);
        Assert.False(state.RecordExists);

        // After a clear the next write is a first write again.
        state.State = SampleState("reborn");
        await silo.Storage.WriteStateAsync(StateName, grainId, state);
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_or_without_one_over_an_existing_record_throws_and_keeps_the_record()
    {
        var database = db.NewDatabaseName("grains");
        using var silo = NewSilo(database);
        var grainId = NewGrainId();
        var current = new GrainState<BookkeepingProbe> { State = SampleState("first") };
        await silo.Storage.WriteStateAsync(StateName, grainId, current);
        var staleETag = current.ETag;
        await silo.Storage.WriteStateAsync(StateName, grainId, current);
        var before = await RawAsync(database, grainId);

        var stale = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe(), ETag = staleETag, RecordExists = true };
        var staleConflict = await Assert.ThrowsAsync<InconsistentStateException>(() => silo.Storage.ClearStateAsync(StateName, grainId, stale));
        var unseen = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        var unseenConflict = await Assert.ThrowsAsync<InconsistentStateException>(() => silo.Storage.ClearStateAsync(StateName, grainId, unseen));

        Assert.Equal(current.ETag, staleConflict.StoredEtag);
        Assert.Equal(current.ETag, unseenConflict.StoredEtag);
        Assert.Equal(before, await RawAsync(database, grainId));
    }

    [Fact]
    public async Task Another_silo_reads_what_the_first_wrote_and_the_first_cannot_overwrite_its_later_write()
    {
        var database = db.NewDatabaseName("grains");
        using var siloA = NewSilo(database);
        using var siloB = NewSilo(database, db.NewSeparateClient());
        var grainId = NewGrainId();
        var onA = new GrainState<BookkeepingProbe> { State = SampleState("from-a") };
        await siloA.Storage.WriteStateAsync(StateName, grainId, onA);

        var onB = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        await siloB.Storage.ReadStateAsync(StateName, grainId, onB);
        Assert.True(onB.RecordExists);
        Assert.Equal(onA.ETag, onB.ETag);
        Assert.Equivalent(SampleState("from-a"), onB.State, strict: true);

        onB.State.Owner = "from-b";
        await siloB.Storage.WriteStateAsync(StateName, grainId, onB);
        onA.State.Owner = "late-a";
        await Assert.ThrowsAsync<InconsistentStateException>(() => siloA.Storage.WriteStateAsync(StateName, grainId, onA));

        var reread = new GrainState<BookkeepingProbe> { State = new BookkeepingProbe() };
        await siloA.Storage.ReadStateAsync(StateName, grainId, reread);
        Assert.Equal("from-b", reread.State.Owner);
    }

    [Fact]
    public async Task A_call_that_outlives_the_operation_timeout_fails_with_a_transient_TimeoutException()
    {
        await using var faults = await Toxiproxy.StartAsync();
        var toxic = await faults.AddProxyAsync($"slow-{Guid.NewGuid():N}", $"127.0.0.1:{db.Mongo.Proxy.Port}");
        await toxic.AddLatencyAsync(3_000);
        var client = db.Mongo.CreateClient(
            $"mongodb://{toxic.Listen}/?directConnection=true",
            settings => settings.ApplicationName = $"slow-{Guid.NewGuid():N}");
        using var silo = NewSilo(db.NewDatabaseName("grains"), client, TimeSpan.FromMilliseconds(300));
        var state = new GrainState<BookkeepingProbe> { State = SampleState("slow") };

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => silo.Storage.WriteStateAsync(StateName, NewGrainId(), state));

        Assert.Contains("did not complete within", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, null, null, "timeout"), MongoErrorClassifier.Classify(timeout));
        Assert.Null(state.ETag);
    }

    [Fact]
    public void Options_default_to_our_collection_and_invalid_ones_are_refused_naming_the_setting()
    {
        var defaults = new MongoGrainStorageOptions();
        Assert.Equal("agentjobSync", defaults.DatabaseName);
        Assert.Equal("grainState", defaults.CollectionName);

        using var silo = new StorageSiloHost(db.Mongo.Client, options =>
        {
            options.DatabaseName = " ";
            options.OperationTimeout = TimeSpan.Zero;
        });
        var refused = Assert.Throws<OptionsValidationException>(() => silo.Resolve());
        Assert.Contains(refused.Failures, f => f.Contains(nameof(MongoGrainStorageOptions.DatabaseName), StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains(nameof(MongoGrainStorageOptions.OperationTimeout), StringComparison.Ordinal));
    }

    [Fact]
    public async Task State_written_by_one_activation_is_read_by_the_next_after_DeactivateOnIdle()
    {
        var database = db.NewDatabaseName("grains");
        var builder = new TestClusterBuilder(2);
        builder.Properties[ProbeSiloConfigurator.UrlKey] = db.Mongo.Url;
        builder.Properties[ProbeSiloConfigurator.DatabaseKey] = database;
        builder.AddSiloBuilderConfigurator<ProbeSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var grain = cluster.GrainFactory.GetGrain<IPersistentProbeGrain>(Guid.NewGuid().ToString());
            var fresh = await grain.ReadAsync();
            var first = await grain.AppendAsync("first");
            var second = await grain.AppendAsync("second");
            await grain.DeactivateAsync();
            var next = await grain.ReadAsync();

            Assert.False(fresh.RecordExists);
            Assert.Equal(first.Activation, second.Activation);
            Assert.NotEqual(second.Activation, next.Activation);
            Assert.True(next.RecordExists);
            Assert.Equal(second.ETag, next.ETag);
            Assert.Equal(["first", "second"], next.Notes);
            var stored = await States(database).Find(new BsonDocument("_id", MongoGrainStorage.DocumentId(PersistentProbeGrain.StateName, grain.GetGrainId()))).SingleAsync();
            Assert.Equal(next.ETag, stored["etag"].AsString);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static GrainId NewGrainId() => GrainId.Create("agentjob", Guid.NewGuid().ToString());

    private static BookkeepingProbe SampleState(string owner) => new()
    {
        Owner = owner,
        Revision = 7,
        Timeline =
        [
            new TimelineProbe { State = "Pending", At = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), Notes = ["created", "pushed"] },
            new TimelineProbe { State = "Executing", At = new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero), Notes = [] },
        ],
        NodeRevisions = new Dictionary<string, List<int>> { ["fetch"] = [1, 2, 3], ["summarize"] = [] },
    };

    private static async Task<Exception?> CaptureAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e) when (e is InconsistentStateException or MongoException)
        {
            return e;
        }
    }

    private IMongoCollection<BsonDocument> States(string database) =>
        db.Mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(MongoGrainStorageOptions.DefaultCollectionName);

    private async Task<BsonDocument?> RawAsync(string database, GrainId grainId) =>
        await States(database).Find(new BsonDocument("_id", MongoGrainStorage.DocumentId(StateName, grainId))).SingleOrDefaultAsync();

    private StorageSiloHost NewSilo(string database, IMongoClient? client = null, TimeSpan? timeout = null)
    {
        var silo = new StorageSiloHost(client ?? db.Mongo.Client, options =>
        {
            options.DatabaseName = database;
            options.OperationTimeout = timeout ?? TimeSpan.FromSeconds(30);
        });
        silo.Resolve();
        return silo;
    }

    /// <summary>Silos of the test cluster: the provider on the harness's server, in the database the test chose.</summary>
    private sealed class ProbeSiloConfigurator : ISiloConfigurator
    {
        public const string UrlKey = "MongoUrl";
        public const string DatabaseKey = "GrainStateDatabase";

        public void Configure(ISiloBuilder siloBuilder)
        {
            var url = siloBuilder.Configuration[UrlKey] ?? throw new InvalidOperationException($"{UrlKey} is not configured");
            var database = siloBuilder.Configuration[DatabaseKey] ?? throw new InvalidOperationException($"{DatabaseKey} is not configured");
            siloBuilder.Services.AddSingleton<IMongoClient>(_ => new MongoClient(MongoWire.CreateSettings(url)));
            siloBuilder.AddMongoGrainStorage(StorageName, options => options.DatabaseName = database);
        }
    }
}

/// <summary>A grain whose whole state is persisted by the provider under test.</summary>
internal interface IPersistentProbeGrain : IGrainWithStringKey
{
    Task<ProbeView> AppendAsync(string note);

    Task<ProbeView> ReadAsync();

    Task DeactivateAsync();
}

/// <summary>What the probe grain tells about its state and its activation.</summary>
[GenerateSerializer]
[Alias("AgentJobSync.Storage.Tests.ProbeView")]
internal sealed record ProbeView(
    [property: Id(0)] Guid Activation,
    [property: Id(1)] bool RecordExists,
    [property: Id(2)] string? ETag,
    [property: Id(3)] IReadOnlyList<string> Notes);

[GrainType("storage-tests-probe")]
internal sealed class PersistentProbeGrain(
    [PersistentState(PersistentProbeGrain.StateName, "agentjobs")] IPersistentState<BookkeepingProbe> state) : Grain, IPersistentProbeGrain
{
    public const string StateName = "probe";

    // New with every activation: the test tells activations apart by it.
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<ProbeView> AppendAsync(string note)
    {
        state.State.Timeline.Add(new TimelineProbe { State = note, At = DateTimeOffset.UtcNow, Notes = [note] });
        await state.WriteStateAsync();
        return View();
    }

    public Task<ProbeView> ReadAsync() => Task.FromResult(View());

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private ProbeView View() => new(_activation, state.RecordExists, state.Etag, state.State.Timeline.Select(t => t.State).ToList());
}

/// <summary>A grain state shaped like the AgentJob grain's bookkeeping: scalars, a list of records, a map of lists.</summary>
[GenerateSerializer]
[Alias("AgentJobSync.Storage.Tests.BookkeepingProbe")]
internal sealed class BookkeepingProbe
{
    [Id(0)]
    public string? Owner { get; set; }

    [Id(1)]
    public long Revision { get; set; }

    [Id(2)]
    public List<TimelineProbe> Timeline { get; set; } = [];

    [Id(3)]
    public Dictionary<string, List<int>> NodeRevisions { get; set; } = [];
}

/// <summary>One element of <see cref="BookkeepingProbe.Timeline"/>.</summary>
[GenerateSerializer]
[Alias("AgentJobSync.Storage.Tests.TimelineProbe")]
internal sealed class TimelineProbe
{
    [Id(0)]
    public string State { get; set; } = "";

    [Id(1)]
    public DateTimeOffset At { get; set; }

    [Id(2)]
    public List<string> Notes { get; set; } = [];
}
