using AgentJobSync.Grains.Persistence;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// Where <see cref="MongoGrainStorage"/> keeps the searchable fields of a state (the document's top level), which names
/// it refuses, and how documents of earlier versions (fields in a sub-document) are moved there.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SearchFieldsTests(DatabaseFixture db)
{
    private const string StateName = "job";

    [Fact]
    public async Task Searchable_fields_are_stored_at_the_top_level_of_the_state_document()
    {
        var database = db.NewDatabaseName("search");
        using var silo = NewSilo(database);
        var grain = NewGrainId();
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var state = new GrainState<SearchableProbe>
        {
            State = new SearchableProbe { Fields = new() { ["uid"] = "u-1", ["inSync"] = false, ["revision"] = 3L, ["at"] = at, ["error"] = null } },
        };

        await silo.Storage.WriteStateAsync(StateName, grain, state);

        var stored = await States(database).Find(new BsonDocument("_id", MongoGrainStorage.DocumentId(StateName, grain))).SingleAsync();
        Assert.Equal(("u-1", false, 3L, at.UtcDateTime, BsonNull.Value), (
            stored["uid"].AsString, stored["inSync"].AsBoolean, stored["revision"].ToInt64(), stored["at"].ToUniversalTime(), stored["error"]));
        Assert.False(stored.Contains(MongoGrainStorage.LegacySearchFieldsField));
        Assert.Equal(state.ETag, stored["etag"].AsString);
    }

    [Theory]
    [InlineData("_id")]
    [InlineData("etag")]
    [InlineData("payload")]
    [InlineData("grainType")]
    [InlineData("updatedAt")]
    [InlineData("fields")]
    [InlineData("a.b")]
    [InlineData("$where")]
    public async Task A_searchable_field_named_like_a_field_of_the_provider_is_refused_at_write(string name)
    {
        var database = db.NewDatabaseName("search");
        using var silo = NewSilo(database);
        var state = new GrainState<SearchableProbe> { State = new SearchableProbe { Fields = new() { ["uid"] = "u-1", [name] = "x" } } };

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.Storage.WriteStateAsync(StateName, NewGrainId(), state));

        Assert.Contains($"'{name}'", refused.Message, StringComparison.Ordinal);
        Assert.Null(state.ETag);
        Assert.Equal(0, await States(database).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Documents_of_earlier_versions_are_moved_to_the_top_level_keeping_their_etag_and_once_only()
    {
        var database = db.NewDatabaseName("search");
        using var silo = NewSilo(database);
        var states = States(database);
        // More than one page of the move.
        var old = Enumerable.Range(0, 520).Select(i => OldShape($"u-{i:D4}", $"etag-{i}")).ToList();
        await states.InsertManyAsync(old);
        var current = NewGrainId();
        var written = new GrainState<SearchableProbe> { State = new SearchableProbe { Fields = new() { ["uid"] = "current" } } };
        await silo.Storage.WriteStateAsync(StateName, current, written);
        var untouched = await states.Find(new BsonDocument("_id", MongoGrainStorage.DocumentId(StateName, current))).SingleAsync();

        var moved = await new LegacySearchFieldsMove(states).RunAsync(CancellationToken.None);

        Assert.Equal(old.Count, moved);
        var after = await states.Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(old.Select(d => d["_id"]))))).ToListAsync();
        Assert.Equal(old.Count, after.Count);
        Assert.All(after, d =>
        {
            var before = old.Single(o => o["_id"] == d["_id"]);
            Assert.False(d.Contains(MongoGrainStorage.LegacySearchFieldsField));
            Assert.Equal(before["fields"]["uid"], d["uid"]);
            Assert.Equal(before["fields"]["owner"], d["owner"]);
            Assert.Equal(before["fields"]["inSync"], d["inSync"]);
            Assert.Equal(before["etag"], d["etag"]);
            Assert.Equal(before["payload"], d["payload"]);
        });
        Assert.Equal(untouched, await states.Find(new BsonDocument("_id", untouched["_id"])).SingleAsync());
        Assert.Equal(0, await new LegacySearchFieldsMove(states).RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_grain_holding_the_etag_of_a_moved_document_still_saves_over_it()
    {
        var database = db.NewDatabaseName("search");
        using var silo = NewSilo(database);
        var grain = NewGrainId();
        var state = new GrainState<SearchableProbe> { State = new SearchableProbe { Fields = new() { ["uid"] = "u-1" } } };
        await silo.Storage.WriteStateAsync(StateName, grain, state);
        var id = MongoGrainStorage.DocumentId(StateName, grain);
        // The document as an earlier version stored it.
        await States(database).UpdateOneAsync(
            new BsonDocument("_id", id),
            new BsonDocument
            {
                { "$set", new BsonDocument("fields", new BsonDocument("uid", "u-1")) },
                { "$unset", new BsonDocument("uid", "") },
            });

        Assert.Equal(1, await new LegacySearchFieldsMove(States(database)).RunAsync(CancellationToken.None));
        state.State = new SearchableProbe { Fields = new() { ["uid"] = "u-1", ["inSync"] = true } };
        await silo.Storage.WriteStateAsync(StateName, grain, state);

        var stored = await States(database).Find(new BsonDocument("_id", id)).SingleAsync();
        Assert.Equal((state.ETag, true), (stored["etag"].AsString, stored["inSync"].AsBoolean));
    }

    private static GrainId NewGrainId() => GrainId.Create("agentjob", Guid.NewGuid().ToString());

    private static BsonDocument OldShape(string uid, string etag) => new()
    {
        { "_id", $"{StateName}/agentjob/{uid}" },
        { "etag", etag },
        { "grainType", "agentjob" },
        { "payload", new BsonBinaryData([1, 2, 3], BsonBinarySubType.Binary) },
        { "updatedAt", new BsonDateTime(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)) },
        { "fields", new BsonDocument { { "uid", uid }, { "owner", "owner-1" }, { "inSync", true } } },
    };

    private IMongoCollection<BsonDocument> States(string database) =>
        db.Mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(MongoGrainStorageOptions.DefaultCollectionName);

    private StorageSiloHost NewSilo(string database)
    {
        var silo = new StorageSiloHost(db.Mongo.Client, options =>
        {
            options.DatabaseName = database;
            options.OperationTimeout = TimeSpan.FromSeconds(30);
        });
        silo.Resolve();
        return silo;
    }
}
