using System.IO.Hashing;
using System.Text;

namespace AgentJobSync.Grains.Domain;

/// <summary>
/// A fingerprint of a job's observed nodes (alias, status, canonical output, timestamp, in order). When an entry's nodes
/// are what merging an observation's nodes left, merging the same nodes again changes nothing
/// (<see cref="NodeMerge.Merge"/> is idempotent), so a later observation with the same fingerprint needs no merge and no
/// read of the entry's nodes: its grain can write the state from what it remembers.
/// </summary>
public static class NodesDigest
{
    public static string Of(IReadOnlyList<NodeObservation> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var hash = new XxHash128();
        Span<byte> length = stackalloc byte[4];
        foreach (var node in nodes)
        {
            Append(hash, node.Alias, length);
            Append(hash, node.Status, length);
            Append(hash, node.OutputJson, length);
            Append(hash, node.LastUpdated, length);
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    // Length-prefixed (-1 for null), so no two different node lists hash the same bytes.
    private static void Append(XxHash128 hash, string? value, Span<byte> length)
    {
        BitConverter.TryWriteBytes(length, value is null ? -1 : Encoding.UTF8.GetByteCount(value));
        hash.Append(length);
        if (value is not null)
        {
            hash.Append(Encoding.UTF8.GetBytes(value));
        }
    }
}
