using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>
/// AGENTJOB_TEST_MONGO_URL: unset means FerretDB as always; set, the tests use that server directly (no FerretDB
/// started, no serializing proxy), with a pass-through front for fault injection. The external path is exercised against
/// this run's FerretDB standing in for a real MongoDB.
/// </summary>
[Collection(HarnessCollection.Name)]
public sealed class DatabaseSelectionTests(SharedEnvironment shared)
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Unset_or_blank_selects_FerretDB(string? value) => Assert.Null(TestMongoUrl.Select(value));

    [Fact]
    public void A_MongoDB_URL_is_used_as_given()
    {
        const string url = "mongodb://127.0.0.1:27017/?replicaSet=rs0&directConnection=true";
        Assert.Equal(url, TestMongoUrl.Select($"  {url} "));
    }

    [Fact]
    public void Anything_else_stops_the_run_naming_the_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestMongoUrl.Select("http://127.0.0.1:27017"));
        Assert.Contains(TestMongoUrl.Variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_external_server_is_used_directly_and_its_front_reaches_the_same_server()
    {
        var given = shared.Environment.Mongo.Url;
        await using var external = MongoWire.UseExternal(given);

        Assert.True(external.IsExternal);
        Assert.Equal(given, external.Url);
        Assert.Equal(given, external.DirectUrl);
        Assert.Equal(0, external.PostgresPid);
        Assert.Equal(0, external.FerretDbPid);

        var database = TestEnvironment.NewDatabaseName("external");
        var id = ObjectId.GenerateNewId();
        await external.Client.GetDatabase(database).GetCollection<BsonDocument>("docs").InsertOneAsync(new BsonDocument("_id", id));
        var throughFront = external.CreateClient(MongoWire.UrlForPort(external.Proxy.Port));
        var seen = await throughFront.GetDatabase(database).GetCollection<BsonDocument>("docs").Find(new BsonDocument("_id", id)).CountDocumentsAsync();
        var seenByRun = await shared.Environment.Mongo.Client.GetDatabase(database).GetCollection<BsonDocument>("docs").Find(new BsonDocument("_id", id)).CountDocumentsAsync();

        Assert.Equal(1, seen);
        Assert.Equal(1, seenByRun);
        Assert.True(external.Proxy.RequestsForwarded > 0, "nothing went through the front");
    }
}
