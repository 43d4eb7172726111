using System.Collections.Concurrent;
using AgentJobSync.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// The grain's real storage provider on the real database, with faults armed per job: a write or a read of a chosen
/// job's bookkeeping throws what the test says (or passes, when the fault returns null), as if the silo died or the
/// database refused at that moment.
/// </summary>
public sealed class FaultyBookkeeping : ISiloConfigurator
{
    /// <summary>The fault on writes, by job UID: given the state about to be written, an exception to throw, or null to write it.</summary>
    public static readonly ConcurrentDictionary<string, Func<AgentJobGrainState, Exception?>> Writes = new();

    /// <summary>The fault on reads, by job UID: an exception to throw, or null to read.</summary>
    public static readonly ConcurrentDictionary<string, Func<Exception?>> Reads = new();

    public void Configure(ISiloBuilder siloBuilder) =>
        siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(AgentJobGrain.StorageName, (services, _) =>
            new Faulty(MongoGrainStorage.Create(services, AgentJobGrain.StorageName)));

    private sealed class Faulty(IGrainStorage inner) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            Reads.TryGetValue(grainId.Key.ToString()!, out var fault) && fault() is { } e
                ? Task.FromException(e)
                : inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            Writes.TryGetValue(grainId.Key.ToString()!, out var fault) && grainState.State is AgentJobGrainState state && fault(state) is { } e
                ? Task.FromException(e)
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
