using System.Net;
using System.Text.Json.Nodes;
using AgentJobSync.Clustering.Kubernetes.Resources;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// The API calls on the two membership resources, with the answers the protocol branches on turned into values:
/// <c>null</c>/<c>false</c> for not found and for a lost optimistic-concurrency race (409 Conflict, 412 Precondition
/// Failed). Every other error (unavailable, forbidden, timeouts) is thrown: Orleans retries the whole operation.
/// </summary>
internal sealed class MembershipObjects(IKubernetes client, string ns, string group) : IDisposable
{
    public const string ApiVersionName = "v1";
    public const string VersionPlural = "orleansclusterversions";
    public const string SiloPlural = "orleanssilos";

    public string Namespace => ns;

    public string ApiVersion => $"{group}/{ApiVersionName}";

    public async Task<ClusterVersionObject?> GetVersionAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<ClusterVersionObject>(
                group, ApiVersionName, ns, VersionPlural, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the version object; <c>null</c> when it exists already.</summary>
    public Task<ClusterVersionObject?> CreateVersionAsync(ClusterVersionObject body, CancellationToken cancellationToken) =>
        CreateAsync(body, VersionPlural, cancellationToken);

    /// <summary>Replaces the version object if its resourceVersion is still <c>body.Metadata.ResourceVersion</c>; else <c>null</c>.</summary>
    public Task<ClusterVersionObject?> ReplaceVersionAsync(ClusterVersionObject body, CancellationToken cancellationToken) =>
        ReplaceAsync(body, VersionPlural, cancellationToken);

    public async Task DeleteVersionAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                group, ApiVersionName, ns, VersionPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // already gone
        }
    }

    public async Task<SiloObject?> GetSiloAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<SiloObject>(
                group, ApiVersionName, ns, SiloPlural, name, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every silo object labelled with <paramref name="clusterKey"/> and holding <paramref name="clusterId"/>.</summary>
    public async Task<IReadOnlyList<SiloObject>> ListSilosAsync(string clusterKey, string clusterId, CancellationToken cancellationToken)
    {
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<SiloObjectList>(
            group, ApiVersionName, ns, SiloPlural, labelSelector: $"{ResourceNames.ClusterLabel}={clusterKey}",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. list.Items.Where(s => string.Equals(s.Spec.ClusterId, clusterId, StringComparison.Ordinal))];
    }

    /// <summary>Creates the silo object; <c>null</c> when one of that name exists already.</summary>
    public Task<SiloObject?> CreateSiloAsync(SiloObject body, CancellationToken cancellationToken) =>
        CreateAsync(body, SiloPlural, cancellationToken);

    /// <summary>Replaces the silo object if its resourceVersion is still <c>body.Metadata.ResourceVersion</c>; else <c>null</c>.</summary>
    public Task<SiloObject?> ReplaceSiloAsync(SiloObject body, CancellationToken cancellationToken) =>
        ReplaceAsync(body, SiloPlural, cancellationToken);

    // Create and replace of either resource: a lost race (409/412, or 404 for a replace) is null, not an error.
    private async Task<T?> CreateAsync<T>(T body, string plural, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        body.ApiVersion = ApiVersion;
        try
        {
            return await client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(
                body, group, ApiVersionName, ns, plural, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (IsLostRace(e.Response.StatusCode))
        {
            return null;
        }
    }

    private async Task<T?> ReplaceAsync<T>(T body, string plural, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        body.ApiVersion = ApiVersion;
        try
        {
            return await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<T>(
                body, group, ApiVersionName, ns, plural, body.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (IsLostRace(e.Response.StatusCode) || e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A JSON merge patch of <c>spec.iAmAliveTime</c> alone; <c>false</c> when the object does not exist.</summary>
    public async Task<bool> PatchIAmAliveAsync(string name, string iAmAliveTime, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(
            new JsonObject { ["spec"] = new JsonObject { ["iAmAliveTime"] = iAmAliveTime } }.ToJsonString(),
            V1Patch.PatchType.MergePatch);
        try
        {
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                patch, group, ApiVersionName, ns, SiloPlural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Deletes the silo object if its resourceVersion is still <paramref name="resourceVersion"/>; <c>false</c> otherwise.</summary>
    public async Task<bool> DeleteSiloAsync(string name, string resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                group, ApiVersionName, ns, SiloPlural, name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (IsLostRace(e.Response.StatusCode) || e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Deletes every silo object of the cluster in one request.</summary>
    public Task DeleteSilosAsync(string clusterKey, CancellationToken cancellationToken) =>
        client.CustomObjects.DeleteCollectionNamespacedCustomObjectAsync(
            group, ApiVersionName, ns, SiloPlural, labelSelector: $"{ResourceNames.ClusterLabel}={clusterKey}",
            cancellationToken: cancellationToken);

    public void Dispose() => client.Dispose();

    private static bool IsLostRace(HttpStatusCode status) => status is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed;
}
