using System.Net;

namespace AgentJobSync.Silo.Clustering;

/// <summary>The pod the silo runs in, as the downward API tells it (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c>).</summary>
public sealed record PodIdentity(string Name, string Namespace, IPAddress Address);
