using System.Runtime.CompilerServices;
using AgentJobSync.Grains;

namespace AgentJobSync.WatchHost.Directory;

/// <summary>Every live job of a scope, read from an <see cref="IJobDirectory"/> page by page after the last UID.</summary>
public static class JobDirectoryPaging
{
    /// <summary>The live jobs of <paramref name="namespace"/> (null: all) in UID order, <paramref name="pageSize"/> per request.</summary>
    public static async IAsyncEnumerable<JobSummary> AllLiveAsync(
        this IJobDirectory directory, string? @namespace, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string? after = null;
        while (true)
        {
            var page = await directory.FindLiveAsync(@namespace, after, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page)
            {
                yield return summary;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1].Uid;
        }
    }
}
