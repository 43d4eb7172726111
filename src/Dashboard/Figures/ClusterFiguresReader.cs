using System.Collections.Immutable;
using Orleans.Runtime;
using Polly;
using Polly.Timeout;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>Asks every active silo for its figures (in parallel, each with a deadline) and combines them.</summary>
public sealed class ClusterFiguresReader(SyncFiguresClient client, ISiloStatusOracle membership, TimeProvider time)
{
    /// <summary>How long one silo may take to answer before the page shows it as unreachable.</summary>
    public static readonly TimeSpan SiloDeadline = TimeSpan.FromSeconds(2);

    private readonly ResiliencePipeline deadline = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(SiloDeadline).Build();

    public async Task<ClusterFigures> ReadAsync()
    {
        var silos = membership.GetApproximateSiloStatuses(onlyActive: true).Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var answers = await Task.WhenAll(silos.Select(AskAsync)).ConfigureAwait(false);
        var figures = answers.OfType<SyncFigures>().ToArray();
        var unreachable = silos.Where((_, i) => answers[i] is null).Select(s => s.ToString()).ToArray();
        return new ClusterFigures(Combine(figures, time.GetUtcNow()), figures, unreachable);
    }

    /// <summary>The cluster row: sums, and the worst silo's percentiles.</summary>
    public static SyncFigures Combine(IReadOnlyCollection<SyncFigures> silos, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(silos);
        return new SyncFigures(
            "cluster",
            silos.Count == 0 ? 0 : silos.Max(s => s.WindowSeconds),
            silos.Sum(s => s.TransitionsPerSecond),
            silos.Sum(s => s.Transitions),
            silos.Max(s => s.DatabaseP50Ms),
            silos.Max(s => s.DatabaseP99Ms),
            silos.Sum(s => s.DatabaseCommands),
            silos.Max(s => s.LagP50Ms),
            silos.Max(s => s.LagP99Ms),
            silos.Sum(s => s.Retries),
            silos.Sum(s => s.Errors),
            silos.SelectMany(s => s.ErrorsByReason).GroupBy(e => e.Key, StringComparer.Ordinal)
                .ToImmutableDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal),
            at);
    }

    private async Task<SyncFigures?> AskAsync(SiloAddress silo)
    {
        try
        {
            // The grain call takes no token: the wait for it is what the deadline cancels.
            return await deadline.ExecuteAsync(
                async ct => await client.OnSilo(silo).GetFiguresAsync().WaitAsync(ct).ConfigureAwait(false),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TimeoutException or OrleansException or SiloUnavailableException)
        {
            return null;
        }
    }
}
