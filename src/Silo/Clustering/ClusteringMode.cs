namespace AgentJobSync.Silo.Clustering;

/// <summary>How silos find each other (<c>CLUSTERING</c>).</summary>
public enum ClusteringMode
{
    /// <summary>Membership in <c>OrleansSilo</c> objects and Orleans' Kubernetes hosting (pod labels, dead-pod detection).</summary>
    Kubernetes,

    /// <summary>Silos on one machine join the silo on <c>PRIMARY_SILO_PORT</c> (the demo and process tests).</summary>
    Localhost,
}
