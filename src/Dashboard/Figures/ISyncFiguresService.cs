using Orleans.Services;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// Runs on every silo (a grain service) so the silo serving the page can ask each silo for its own figures: meters are
/// per process, and the cluster's figures are the sum of the silos'.
/// </summary>
[Alias("AgentJobSync.Dashboard.ISyncFiguresService")]
public interface ISyncFiguresService : IGrainService
{
    [Alias("GetFigures")]
    Task<SyncFigures> GetFiguresAsync();
}
