using System.Net;
using k8s;
using k8s.Autorest;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// Gives the lease up on a graceful stop, as client-go's <c>ReleaseOnCancel</c> does (KubernetesClient 21.0.8's
/// <c>LeaderElector</c> has no such option): the holder is cleared and the duration set to one second, guarded by the
/// Lease's resourceVersion and done only while this replica still holds it. A standby's next retry then acquires it at
/// once instead of waiting for the lease to expire.
/// </summary>
public sealed partial class LeaseReleaser(IKubernetes client, LeaseSettings lease, ILogger<LeaseReleaser> logger)
{
    /// <summary>Releases the lease if this replica holds it; returns whether it did.</summary>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = await client.CoordinationV1.ReadNamespacedLeaseAsync(lease.Name, lease.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current.Spec?.HolderIdentity != lease.Identity)
            {
                return false;
            }

            current.Spec.HolderIdentity = string.Empty;
            current.Spec.LeaseDurationSeconds = 1;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(current, lease.Name, lease.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogReleased(logger, lease.Namespace, lease.Name, lease.Identity);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false; // someone else holds or changed it: nothing of ours to release
        }
#pragma warning disable CA1031 // A release that fails only delays the standby until the lease expires; shutdown goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReleaseFailed(logger, e, lease.Namespace, lease.Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "released the lease {Namespace}/{Name} held by {Identity}; a standby takes over at its next retry")]
    private static partial void LogReleased(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not release the lease {Namespace}/{Name}; a standby takes over when it expires")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string @namespace, string name);
}
