using System.Text.Json;
using k8s;

namespace AgentJobSync.TestHarness;

/// <summary>Reads the <c>OrleansSilo</c> objects of one cluster straight from the API server.</summary>
public static class MembershipRows
{
    public static async Task<IReadOnlyList<MembershipRow>> ReadAsync(IKubernetes client, string ns, string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(
            "clustering.agentjobsync.dev", "v1", ns, "orleanssilos", cancellationToken: cancellationToken).ConfigureAwait(false);
        var rows = new List<MembershipRow>();
        foreach (var item in list.GetProperty("items").EnumerateArray())
        {
            var spec = item.GetProperty("spec");
            if (spec.GetProperty("clusterId").GetString() != clusterId)
            {
                continue;
            }

            rows.Add(new MembershipRow(
                item.GetProperty("metadata").GetProperty("name").GetString()!,
                spec.TryGetProperty("siloName", out var name) ? name.GetString() ?? "" : "",
                spec.GetProperty("siloAddress").GetString()!,
                spec.GetProperty("status").GetString()!));
        }

        return rows;
    }
}
