using AgentJobSync.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Driver;
using Orleans.Storage;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// An Orleans silo host, built and never started, whose services hold a <see cref="MongoGrainStorage"/> named
/// <see cref="StorageName"/>: the provider as a silo resolves it (its DI, its JSON grain-state serializer, its activators).
/// </summary>
internal sealed class StorageSiloHost : IDisposable
{
    public const string StorageName = "agentjobs";

    private readonly IHost _host;
    private IGrainStorage? _storage;

    public StorageSiloHost(IMongoClient client, Action<MongoGrainStorageOptions> configure) =>
        _host = new HostBuilder()
            .UseOrleans(silo => silo.UseLocalhostClustering().AddMongoGrainStorage(StorageName, configure))
            .ConfigureServices(services => services.AddSingleton(client))
            .Build();

    public IGrainStorage Storage => _storage ?? throw new InvalidOperationException("the provider is not resolved");

    public IGrainStorage Resolve() => _storage = _host.Services.GetRequiredKeyedService<IGrainStorage>(StorageName);

    public void Dispose() => _host.Dispose();
}
