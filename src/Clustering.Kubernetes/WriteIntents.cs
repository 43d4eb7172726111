using AgentJobSync.Clustering.Kubernetes.Resources;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Completes the write intent recorded on a version object: creates, replaces or deletes the named silo object. Any
/// number of parties may run this for the same intent at once (the writer, readers); resourceVersion preconditions let
/// exactly one apply it, and the others learn the outcome from the silo object's <c>spec.writeId</c> and
/// <c>spec.tableVersion</c>.
/// </summary>
internal sealed class WriteIntents(MembershipObjects objects, int maxAttempts)
{
    /// <summary>
    /// Returns <c>true</c> once the intent's change is in the table (applied now, or earlier by someone else), and
    /// <c>false</c> for an intent that will never apply: one of the previous format (its own writer applies it) or one
    /// whose row no longer matches, which a write checked before recording it cannot meet.
    /// </summary>
    public async Task<bool> SettleAsync(ClusterVersionObject version, CancellationToken cancellationToken)
    {
        var intent = version.Spec.Intent ?? throw new ArgumentException("the version object holds no write intent", nameof(version));
        if (!string.IsNullOrEmpty(intent.ExpectedResourceVersion))
        {
            return false;
        }

        var insert = string.IsNullOrEmpty(intent.ExpectedEtag);
        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            var current = await objects.GetSiloAsync(intent.SiloObject, cancellationToken).ConfigureAwait(false);

            // Every write settles the pending intent before it records its own, so a row written at a later version
            // (or gone, after a later delete) proves this intent was applied before.
            if (current is not null && (string.Equals(current.Spec.WriteId, intent.Id, StringComparison.Ordinal) || current.Spec.TableVersion > version.Spec.Version))
            {
                return true;
            }

            if (current is null)
            {
                if (!insert)
                {
                    return true;
                }

                // An insert is the one change without a resourceVersion precondition: a reader that read this intent
                // long ago must not re-create a row deleted since. Once the version moved on, its writer had settled it.
                if (!await IsStillPendingAsync(version, cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                if (await objects.CreateSiloAsync(Build(version, intent, resourceVersion: null), cancellationToken).ConfigureAwait(false) is not null)
                {
                    return true;
                }

                continue;
            }

            if (insert || !string.Equals(current.Spec.WriteId, intent.ExpectedEtag, StringComparison.Ordinal))
            {
                return false;
            }

            // The resourceVersion precondition also loses to a heartbeat that landed since the read; the next round
            // reads again (the heartbeat left the row ETag as it was).
            var applied = intent.Delete
                ? await objects.DeleteSiloAsync(current.Metadata.Name, current.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false)
                : await objects.ReplaceSiloAsync(Build(version, intent, current.Metadata.ResourceVersion), cancellationToken).ConfigureAwait(false) is not null;
            if (applied)
            {
                return true;
            }
        }

        throw new InvalidOperationException(
            $"membership write {intent.Id} on {intent.SiloObject}: not settled after {maxAttempts} attempts (contention)");
    }

    private async Task<bool> IsStillPendingAsync(ClusterVersionObject version, CancellationToken cancellationToken)
    {
        var now = await objects.GetVersionAsync(version.Metadata.Name, cancellationToken).ConfigureAwait(false);
        return string.Equals(now?.Metadata.ResourceVersion, version.Metadata.ResourceVersion, StringComparison.Ordinal);
    }

    private SiloObject Build(ClusterVersionObject version, WriteIntent intent, string? resourceVersion) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = intent.SiloObject,
            NamespaceProperty = objects.Namespace,
            ResourceVersion = resourceVersion,
            Labels = new Dictionary<string, string> { [ResourceNames.ClusterLabel] = ResourceNames.ClusterKey(version.Spec.ClusterId) },
        },
        Spec = EntryMapper.ToSiloSpec(intent.Entry, version.Spec.ClusterId, version.Spec.Version, intent.Id),
    };
}
