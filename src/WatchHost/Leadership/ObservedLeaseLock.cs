using System.Net;
using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Metrics;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// The Lease lock the leader elector campaigns with, made visible: <c>KubernetesClient</c>'s elector drops every
/// failed Lease read or write without a word (a standby that may not read its Lease just never leads). Here each
/// failure is logged with its HTTP status code and counted, and each successful read is progress for readiness.
/// </summary>
public sealed partial class ObservedLeaseLock(
    IKubernetes client, LeaseSettings lease, LeaseProgress progress, WatchHostMetrics metrics, ILogger<ObservedLeaseLock> logger)
    : LeaseLock(client, lease.Namespace, lease.Name, lease.Identity)
{
    /// <inheritdoc/>
    protected override async Task<V1Lease> ReadMetaObjectAsync(IKubernetes client, string name, string namespaceParameter, CancellationToken cancellationToken)
    {
        try
        {
            var read = await base.ReadMetaObjectAsync(client, name, namespaceParameter, cancellationToken).ConfigureAwait(false);
            progress.Reads.Advanced();
            return read;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            progress.Reads.Advanced(); // no Lease yet: the elector creates it
            throw;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed("read", e);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override async Task<V1Lease> CreateMetaObjectAsync(IKubernetes client, V1Lease obj, string namespaceParameter, CancellationToken cancellationToken)
    {
        try
        {
            return await base.CreateMetaObjectAsync(client, obj, namespaceParameter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed("create", e);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override async Task<V1Lease> ReplaceMetaObjectAsync(IKubernetes client, V1Lease obj, string name, string namespaceParameter, CancellationToken cancellationToken)
    {
        try
        {
            return await base.ReplaceMetaObjectAsync(client, obj, name, namespaceParameter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed("update", e);
            throw;
        }
    }

    private void Failed(string operation, Exception e)
    {
        var code = FailureText.StatusCode(e);
        var failure = FailureText.Describe(e);
        progress.Reads.Failed($"{operation}: {failure}");
        metrics.LeaseFailed(operation, code);
        LogFailed(logger, e, operation, lease.Namespace, lease.Name, code, failure);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not {Operation} the lease {Namespace}/{Name}: status {StatusCode} ({Failure})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string operation, string @namespace, string name, int statusCode, string failure);
}
