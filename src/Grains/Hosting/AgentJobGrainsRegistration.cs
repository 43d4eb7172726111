using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Persistence;
using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;

namespace AgentJobSync.Grains.Hosting;

/// <summary>Everything a silo needs to host AgentJob grains, registered once.</summary>
public static class AgentJobGrainsRegistration
{
    /// <summary>
    /// Registers the AgentJob grain's collaborators: one <see cref="IMongoClient"/> for <paramref name="mongoUrl"/> (the
    /// process's connection pool, shared by the user-document store and the grain-state provider), the store of user
    /// documents, the synchronizer, the creation of the unique index on <c>users.id</c> and of the job directory's indexes at start, and the grain-state storage provider <see cref="AgentJobGrain.StorageName"/>.
    /// </summary>
    public static ISiloBuilder AddAgentJobGrains(
        this ISiloBuilder builder,
        string mongoUrl,
        Action<SyncOptions>? configureSync = null,
        Action<UserDocumentOptions>? configureUsers = null,
        Action<MongoGrainStorageOptions>? configureGrainState = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(mongoUrl);
        var services = builder.Services;
        services.AddMetrics();
        services.TryAddSingleton<SyncMetrics>();
        services.TryAddSingleton<IMongoClient>(sp => new MongoClient(MeasuredSettings(mongoUrl, sp.GetRequiredService<SyncMetrics>())));
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SyncOptions>().Configure(o => configureSync?.Invoke(o));
        services.AddOptions<UserDocumentOptions>()
            .Configure(o => configureUsers?.Invoke(o))
            .Validate(o => !string.IsNullOrWhiteSpace(o.DatabaseName) && !string.IsNullOrWhiteSpace(o.CollectionName), "the user documents' database and collection names are required")
            .Validate(o => o.OperationTimeout > TimeSpan.Zero, "the database operation timeout must be positive")
            .ValidateOnStart();
        services.TryAddSingleton<UserJobsStore>();
        services.TryAddSingleton<IUserJobsStore>(sp => sp.GetRequiredService<UserJobsStore>());
        services.TryAddSingleton<EntrySynchronizer>();
        services.TryAddSingleton<JobDirectory>();
        services.TryAddSingleton<UserIndexInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<UserIndexInitializer>());
        services.AddHostedService<JobDirectoryIndexInitializer>();
        builder.AddMongoGrainStorage(AgentJobGrain.StorageName, o => configureGrainState?.Invoke(o));
        return builder;
    }

    // Every command's duration, from the driver's own events (no wrapper around each call).
    private static MongoClientSettings MeasuredSettings(string mongoUrl, SyncMetrics metrics)
    {
        var settings = MongoClientSettings.FromConnectionString(mongoUrl);
        settings.ClusterConfigurator = cluster => cluster
            .Subscribe<CommandSucceededEvent>(e => metrics.DatabaseCommand(e.CommandName, e.Duration, succeeded: true))
            .Subscribe<CommandFailedEvent>(e => metrics.DatabaseCommand(e.CommandName, e.Duration, succeeded: false));
        return settings;
    }
}
