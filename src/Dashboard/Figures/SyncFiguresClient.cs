using Orleans.Runtime;
using Orleans.Runtime.Services;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>Addresses <see cref="ISyncFiguresService"/> on a chosen silo.</summary>
public sealed class SyncFiguresClient(IServiceProvider services) : GrainServiceClient<ISyncFiguresService>(services)
{
    public ISyncFiguresService OnSilo(SiloAddress silo) => GetGrainService(silo);
}
