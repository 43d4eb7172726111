using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace AgentJobSync.Grains;

/// <summary>
/// The grain's bookkeeping in its Orleans grain storage provider (<see cref="IGrainStorage"/>, registered under
/// <see cref="AgentJobGrain.StorageName"/>), read when the grain first needs it rather than at every activation: the
/// first activation of a new job has no record, and its first save, which can then only create one (no ETag), fails
/// with <see cref="InconsistentStateException"/> if a record exists after all, which the grain merges. That saves the
/// read that <c>[PersistentState]</c> would spend on every new job.
/// </summary>
public sealed class BookkeepingRecord
{
    /// <summary>The state name of the record (its document is "job/{grain id}").</summary>
    public const string StateName = "job";

    private readonly IGrainStorage _storage;
    private readonly GrainId _grain;
    private readonly GrainState<AgentJobGrainState> _record = new(new AgentJobGrainState());

    public BookkeepingRecord(IServiceProvider services, GrainId grain)
    {
        ArgumentNullException.ThrowIfNull(services);
        _storage = services.GetRequiredKeyedService<IGrainStorage>(AgentJobGrain.StorageName);
        _grain = grain;
    }

    /// <summary>The bookkeeping as this activation knows it (the default until read or first saved).</summary>
    public AgentJobGrainState State => _record.State ??= new AgentJobGrainState();

    /// <summary>Whether the stored record (or its absence) is known: it was read, or a save succeeded.</summary>
    public bool Loaded { get; private set; }

    /// <summary>Reads the stored record, replacing <see cref="State"/> (a default one when there is none).</summary>
    public async Task ReadAsync()
    {
        await _storage.ReadStateAsync(StateName, _grain, _record);
        Loaded = true;
    }

    /// <summary>
    /// Saves <see cref="State"/>, guarded by the ETag of what was read or last saved (none: only a new record may be
    /// created). Throws <see cref="InconsistentStateException"/> when another activation saved in between.
    /// </summary>
    public async Task WriteAsync()
    {
        await _storage.WriteStateAsync(StateName, _grain, _record);
        Loaded = true;
    }
}
