using AgentJobSync.WatchHost.Routing;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Directory;

/// <summary>
/// At the start of a leadership term, tells the outcome tracker which jobs the grains already settled and at which
/// resourceVersion (the job directory's <c>SettledResourceVersion</c>), so the term's first list routes only the jobs
/// that changed while no watch host ran instead of activating a grain for every job. An optimisation only: if the
/// directory cannot be read, every listed job is routed, as without it.
/// </summary>
public sealed partial class SettledJobSeeder(
    IJobDirectory directory, JobOutcomeTracker outcomes, IReadOnlyList<string?> scopes, ILogger<SettledJobSeeder> logger)
{
    private const int PageSize = 1000;

    /// <summary>Seeds every scope; returns how many jobs were seeded (0 when the directory could not be read).</summary>
    public async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        var seeded = 0;
        try
        {
            foreach (var scope in scopes)
            {
                await foreach (var summary in directory.AllLiveAsync(scope, PageSize, cancellationToken).ConfigureAwait(false))
                {
                    // Every listed job is known to the grains (its first routing need not look for bookkeeping); only a
                    // settled one is counted, as only it can be skipped.
                    if (outcomes.Seed(summary.Uid, summary.SettledResourceVersion) && summary.SettledResourceVersion is not null)
                    {
                        seeded++;
                    }
                }
            }

            LogSeeded(logger, seeded);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
#pragma warning disable CA1031 // Seeding only saves work: any failure means routing every job, which is always right.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(logger, e, seeded);
        }

        return seeded;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Seeded} jobs known to be settled at their resourceVersion; they are routed again only when they change")]
    private static partial void LogSeeded(ILogger logger, int seeded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading the job directory for settled jobs failed after {Seeded}; every other listed job is routed")]
    private static partial void LogFailed(ILogger logger, Exception exception, int seeded);
}
