using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>
/// The membership write made at a table version, recorded on the version object in the same request that bumps the
/// version. Whoever reads the version next (the writer itself, or any reader if the writer died) applies it to the silo
/// object, so the version and the row change become visible together.
/// </summary>
/// <remarks>
/// The writer checks the row's precondition before it records the intent, and every row change goes through an intent,
/// so a recorded intent always applies. <see cref="ExpectedResourceVersion"/> marks an intent of the previous format
/// (conditioned on the silo object's resourceVersion, written without that check): such an intent is applied by its
/// own writer only.
/// </remarks>
internal sealed class WriteIntent
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("siloObject")]
    public string SiloObject { get; set; } = "";

    /// <summary>The row ETag (<c>spec.writeId</c> of the silo object) the write is conditioned on; empty for an insert.</summary>
    [JsonPropertyName("expectedEtag")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExpectedEtag { get; set; }

    /// <summary>The write removes the row (defunct silo cleanup) instead of setting it.</summary>
    [JsonPropertyName("delete")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Delete { get; set; }

    /// <summary>Previous format only: the silo object's resourceVersion the write was conditioned on.</summary>
    [JsonPropertyName("expectedResourceVersion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExpectedResourceVersion { get; set; }

    [JsonPropertyName("entry")]
    public MembershipEntrySpec Entry { get; set; } = new();
}
