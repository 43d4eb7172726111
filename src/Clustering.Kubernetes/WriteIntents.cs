using AgentJobSync.Clustering.Kubernetes.Resources;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Completes the write intent recorded on a version object: creates or replaces the named silo object with the
/// intent's entry, conditioned on the silo object's resourceVersion the writer saw. Any number of parties may run this
/// for the same intent at once (the writer, readers); the precondition lets exactly one apply it, and the others learn
/// the outcome from the silo object's <c>spec.writeId</c>.
/// </summary>
internal sealed class WriteIntents(MembershipObjects objects, int maxAttempts)
{
    /// <summary>
    /// Returns the silo object as the intent wrote it, or <c>null</c> when the intent can never apply (the row existed
    /// for an insert, or changed or vanished since the writer read it): then the write at this version changed nothing
    /// but the version number.
    /// </summary>
    public async Task<SiloObject?> SettleAsync(ClusterVersionObject version, CancellationToken cancellationToken)
    {
        var intent = version.Spec.Intent ?? throw new ArgumentException("the version object holds no write intent", nameof(version));
        var insert = string.IsNullOrEmpty(intent.ExpectedResourceVersion);
        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            var current = await objects.GetSiloAsync(intent.SiloObject, cancellationToken).ConfigureAwait(false);
            if (current is not null && string.Equals(current.Spec.WriteId, intent.Id, StringComparison.Ordinal))
            {
                return current;
            }

            if (insert)
            {
                if (current is not null)
                {
                    return null;
                }

                var created = await objects.CreateSiloAsync(Build(version, intent), cancellationToken).ConfigureAwait(false);
                if (created is not null)
                {
                    return created;
                }
            }
            else
            {
                if (current is null || !string.Equals(current.Metadata.ResourceVersion, intent.ExpectedResourceVersion, StringComparison.Ordinal))
                {
                    return null;
                }

                var replaced = await objects.ReplaceSiloAsync(Build(version, intent), cancellationToken).ConfigureAwait(false);
                if (replaced is not null)
                {
                    return replaced;
                }
            }

            // Lost a race on the silo object: the next read tells whether this intent or another change won.
        }

        throw new InvalidOperationException(
            $"membership write {intent.Id} on {intent.SiloObject}: not settled after {maxAttempts} attempts (contention)");
    }

    private SiloObject Build(ClusterVersionObject version, WriteIntent intent) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = intent.SiloObject,
            NamespaceProperty = objects.Namespace,
            ResourceVersion = string.IsNullOrEmpty(intent.ExpectedResourceVersion) ? null : intent.ExpectedResourceVersion,
            Labels = new Dictionary<string, string> { [ResourceNames.ClusterLabel] = ResourceNames.ClusterKey(version.Spec.ClusterId) },
        },
        Spec = EntryMapper.ToSiloSpec(intent.Entry, version.Spec.ClusterId, version.Spec.Version, intent.Id),
    };
}
