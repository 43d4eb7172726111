using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>The unique index on <c>users.id</c> that the silos create at start.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UserIndexTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Silos_create_the_unique_index_on_users_id_so_a_second_document_with_an_id_is_refused()
    {
        foreach (var silo in fixture.Cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var initializer = silo.SiloHost.Services.GetServices<IHostedService>().OfType<UserIndexInitializer>().Single();
            Assert.Equal(UserIndexStatus.Present, await initializer.Status.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        var indexes = await (await fixture.Users.Indexes.ListAsync()).ToListAsync();
        var index = Assert.Single(indexes, i => i["name"] == "id_unique");
        Assert.True(index["unique"].ToBoolean());
        Assert.Equal(new BsonDocument("id", 1), index["key"].AsBsonDocument);

        var owner = await Jobs.CreateUserAsync(fixture.Users);
        var duplicate = await Assert.ThrowsAsync<MongoWriteException>(() => fixture.Users.InsertOneAsync(new BsonDocument { { "id", owner }, { "jobs", new BsonArray() } }));
        Assert.Equal(ServerErrorCategory.DuplicateKey, duplicate.WriteError.Category);
    }
}
