using AgentJobSync.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.Grains;

/// <summary>
/// Creates the job directory's indexes when the silo starts, in the background, retrying while the database is down,
/// then moves the searchable fields of documents an earlier version wrote to where the directory looks. Without the
/// indexes every directory page (the watch host reads all of them at each term and relist) scans and sorts every job's
/// state; a permanent refusal is logged, and the directory still answers, slowly. Until a document is moved the
/// directory does not list it (the watch host then routes that job's version once more; its grain saves the new shape).
/// </summary>
public sealed partial class JobDirectoryIndexInitializer(JobDirectory directory, TimeProvider time, ILogger<JobDirectoryIndexInitializer> logger)
    : StartupIndexCreation(time)
{
    protected override async Task CreateAsync(CancellationToken cancellationToken)
    {
        await directory.EnsureIndexesAsync(cancellationToken).ConfigureAwait(false);
        var moved = await directory.MoveLegacyFieldsAsync(cancellationToken).ConfigureAwait(false);
        if (moved > 0)
        {
            LogMoved(logger, moved);
        }
    }

    protected override void Created() => LogCreated(logger);

    protected override void Retrying(MongoErrorClass error, TimeSpan backoff, Exception exception) =>
        LogRetrying(logger, error.Reason, backoff.TotalMilliseconds, exception.Message);

    protected override Task RefusedAsync(MongoErrorClass error, Exception exception, CancellationToken cancellationToken)
    {
        LogRefused(logger, error.Reason, exception.Message);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "the job directory's indexes are present")]
    private static partial void LogCreated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "moved the searchable fields of {Count} job states written by an earlier version to the top level")]
    private static partial void LogMoved(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "creating the job directory's indexes failed ({Reason}); retrying in {BackoffMs} ms: {Error}")]
    private static partial void LogRetrying(ILogger logger, string reason, double backoffMs, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "the job directory's indexes cannot be created ({Reason}): {Error}; its searches scan every job's state")]
    private static partial void LogRefused(ILogger logger, string reason, string error);
}
