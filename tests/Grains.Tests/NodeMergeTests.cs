using AgentJobSync.Grains.Domain;
using CsCheck;

namespace AgentJobSync.Grains.Tests;

public sealed class NodeMergeTests
{
    private static readonly DateTimeOffset Origin = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Per_alias_the_newest_observation_wins_whatever_the_order_of_arrival()
    {
        // Observations of up to 4 aliases, each stamped with a distinct second; delivered in any order, repeated.
        var gen = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000]).Array[1, 25]
            .Select(pairs => pairs.DistinctBy(p => p.Item2).Select(p => new NodeObservation($"n{p.Item1}", $"s{p.Item2}", null, Stamp(p.Item2))).ToArray());
        Gen.Select(gen, Gen.Int).Sample((observations, seed) =>
        {
            var shuffled = observations.Concat(observations).OrderBy(_ => new Random(seed).Next()).ToList();
            IReadOnlyList<NodeObservation> entry = [];
            foreach (var node in shuffled)
            {
                entry = NodeMerge.Merge(entry, [node]).Nodes;
            }

            var newest = observations.GroupBy(n => n.Alias).ToDictionary(g => g.Key, g => g.MaxBy(n => NodeMerge.ParseTime(n.LastUpdated))!);
            return entry.Count == newest.Count && entry.All(n => newest[n.Alias] == n);
        });
    }

    [Fact]
    public void An_unparsable_timestamp_never_replaces_a_parsable_one_and_replaces_another_unparsable_one()
    {
        var stamped = new NodeObservation("a", "completed", "{\"x\":1}", Stamp(10));
        var garbage = new NodeObservation("a", "executing", null, "yesterday");
        var otherGarbage = new NodeObservation("a", "failed", null, null);

        Assert.False(NodeMerge.Merge([stamped], [garbage]).Changed);
        Assert.Equal(stamped, NodeMerge.Merge([garbage], [stamped]).Nodes.Single());
        Assert.Equal(otherGarbage, NodeMerge.Merge([garbage], [otherGarbage]).Nodes.Single());
    }

    [Fact]
    public void The_same_observation_twice_changes_nothing_and_new_aliases_are_appended_in_order()
    {
        var a = new NodeObservation("a", "completed", null, Stamp(1));
        var b = new NodeObservation("b", "executing", null, Stamp(2));

        var (nodes, changed) = NodeMerge.Merge([a], [a, b]);

        Assert.True(changed);
        Assert.Equal([a, b], nodes);
        Assert.False(NodeMerge.Merge(nodes, [b, a]).Changed);
    }

    private static string Stamp(int seconds) => Origin.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
