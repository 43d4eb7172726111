using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Object names and labels derived from a cluster id and a silo address. Names are deterministic (every silo computes
/// the same name for a row, so "insert" is a create that can fail with AlreadyExists) and DNS-1123 safe whatever the
/// cluster id holds: a readable, sanitized prefix plus a hash of the exact values, so two ids that sanitize alike
/// still get different names.
/// </summary>
internal static class ResourceNames
{
    /// <summary>The label holding <see cref="ClusterKey"/>; ReadAll is one list by this label.</summary>
    public const string ClusterLabel = "clustering.agentjobsync.dev/cluster";

    /// <summary>A label-value-safe key of a cluster id (label values allow 63 characters of a small alphabet).</summary>
    public static string ClusterKey(string clusterId) => Hash(clusterId, 20);

    /// <summary>The name of the cluster's <c>OrleansClusterVersion</c> object.</summary>
    public static string VersionObject(string clusterId) => Join(Sanitize(clusterId, 40), ClusterKey(clusterId));

    /// <summary>The name of the <c>OrleansSilo</c> object of <paramref name="silo"/> in the cluster.</summary>
    public static string SiloObject(string clusterId, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var readable = string.Create(
            CultureInfo.InvariantCulture,
            $"{silo.Endpoint.Address}-{silo.Endpoint.Port}-{silo.Generation}");
        return Join(Sanitize(clusterId, 30), Sanitize(readable, 60), Hash(clusterId + "\n" + silo.ToParsableString(), 16));
    }

    private static string Join(params string[] parts) => string.Join('-', parts.Where(p => p.Length > 0));

    private static string Sanitize(string value, int maxLength)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.ToLowerInvariant())
        {
            var keep = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
            if (keep)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var text = builder.ToString();
        return text[..Math.Min(text.Length, maxLength)].Trim('-');
    }

    private static string Hash(string value, int hexLength) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..hexLength];
}
