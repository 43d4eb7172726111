namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>An <c>OrleansSilo</c> custom resource: one row of the membership table; its resourceVersion is the row's ETag.</summary>
internal sealed class SiloObject() : CustomObject<SiloSpec>(KindName)
{
    public const string KindName = "OrleansSilo";
}
