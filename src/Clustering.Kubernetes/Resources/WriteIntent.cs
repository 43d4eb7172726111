using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>
/// The membership write made at a table version, recorded on the version object in the same request that bumps the
/// version. Whoever reads the version next (the writer itself, or any reader if the writer died) applies it to the silo
/// object with a resourceVersion precondition, so the version and the row change become visible together.
/// </summary>
internal sealed class WriteIntent
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("siloObject")]
    public string SiloObject { get; set; } = "";

    /// <summary>The silo object's resourceVersion the write is conditioned on; empty: the object must not exist (insert).</summary>
    [JsonPropertyName("expectedResourceVersion")]
    public string? ExpectedResourceVersion { get; set; }

    [JsonPropertyName("entry")]
    public MembershipEntrySpec Entry { get; set; } = new();
}
