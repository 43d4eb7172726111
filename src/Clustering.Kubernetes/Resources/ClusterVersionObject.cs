namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>An <c>OrleansClusterVersion</c> custom resource: the table version; its resourceVersion is the version's ETag.</summary>
internal sealed class ClusterVersionObject() : CustomObject<ClusterVersionSpec>(KindName)
{
    public const string KindName = "OrleansClusterVersion";
}
