using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>Answers with this silo's <see cref="SyncMetricsAggregator"/> snapshot.</summary>
internal sealed class SyncFiguresService(
    GrainId grainId, Silo silo, ILoggerFactory loggerFactory, SyncMetricsAggregator figures, ILocalSiloDetails localSilo)
    : GrainService(grainId, silo, loggerFactory), ISyncFiguresService
{
    public Task<SyncFigures> GetFiguresAsync() => Task.FromResult(figures.Snapshot(localSilo.SiloAddress.ToString()));
}
