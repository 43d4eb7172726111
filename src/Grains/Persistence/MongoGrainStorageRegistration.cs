using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace AgentJobSync.Grains.Persistence;

/// <summary>Registers <see cref="MongoGrainStorage"/> as a named Orleans grain storage provider.</summary>
public static class MongoGrainStorageRegistration
{
    /// <summary>
    /// Adds a <see cref="MongoGrainStorage"/> named <paramref name="name"/> (the name grains give in
    /// <c>[PersistentState("stateName", name)]</c>).
    /// </summary>
    /// <remarks>
    /// The provider takes its <see cref="MongoDB.Driver.IMongoClient"/> from the silo's services: the one registered
    /// with the key <paramref name="name"/> if any, else the silo's singleton <see cref="MongoDB.Driver.IMongoClient"/>,
    /// which the silo must register (one client per process: it owns the connection pool). The state serializer is the
    /// <see cref="IGrainStorageSerializer"/> registered under <paramref name="name"/>, else the silo's (Orleans' JSON
    /// serializer by default), unless <paramref name="configure"/> sets one. The options are validated when the silo
    /// starts.
    /// </remarks>
    public static ISiloBuilder AddMongoGrainStorage(this ISiloBuilder builder, string name, Action<MongoGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMongoGrainStorage(name, configure);
        return builder;
    }

    /// <inheritdoc cref="AddMongoGrainStorage(ISiloBuilder, string, Action{MongoGrainStorageOptions})"/>
    public static IServiceCollection AddMongoGrainStorage(this IServiceCollection services, string name, Action<MongoGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MongoGrainStorageOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoGrainStorageOptions>, MongoGrainStorageOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<
            IPostConfigureOptions<MongoGrainStorageOptions>,
            DefaultStorageProviderSerializerOptionsConfigurator<MongoGrainStorageOptions>>());
        return services.AddGrainStorage(name, MongoGrainStorage.Create);
    }
}
