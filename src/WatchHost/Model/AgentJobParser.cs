using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace AgentJobSync.WatchHost.Model;

/// <summary>
/// Reads an AgentJob from the API server's JSON without trusting its shape. The CRD validates little (and other
/// CRD versions may validate less), so every field is read defensively: text stays text, any other JSON value
/// becomes its raw text, a missing or mistyped container is treated as empty. Only an object without
/// <c>metadata.namespace</c>, <c>metadata.name</c> and <c>metadata.uid</c> cannot be routed (it has no key and no
/// grain); <see cref="TryParse"/> returns false for it and never throws.
/// </summary>
public static class AgentJobParser
{
    /// <summary>Parses <paramref name="json"/>; false when the object has no namespace, name or uid.</summary>
    public static bool TryParse(JsonElement json, out AgentJob job)
    {
        job = null!;
        if (json.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var metadata = Child(json, "metadata");
        var ns = Text(metadata, "namespace");
        var name = Text(metadata, "name");
        var uid = Text(metadata, "uid");
        if (string.IsNullOrEmpty(ns) || string.IsNullOrEmpty(name) || string.IsNullOrEmpty(uid))
        {
            return false;
        }

        var spec = Child(json, "spec");
        var status = Child(json, "status");
        var user = Text(spec, "user");
        var creator = Text(spec, "creator");
        // The watch host caches every job: values that repeat across jobs are held once (SharedStrings), and a creator
        // who is the owner, as is usual, shares the owner's string.
        job = new AgentJob(
            SharedStrings.Of(ns)!,
            name,
            uid,
            Text(metadata, "resourceVersion"),
            Timestamp(metadata, "creationTimestamp"),
            Timestamp(metadata, "deletionTimestamp"),
            user,
            SharedStrings.Of(Text(spec, "agentID")),
            creator == user ? user : creator,
            Text(spec, "name"),
            SharedStrings.Of(Text(status, "state")),
            Nodes(status));
        return true;
    }

    private static JsonElement? Child(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var child) && child.ValueKind == JsonValueKind.Object
            ? child
            : null;

    // A string is its value; null or absent is null; anything else (number, object, array, bool) is its JSON text,
    // so a mistyped field reaches the grain as a value it will reject and report.
    private static string? Text(JsonElement? parent, string name)
    {
        if (parent is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        };
    }

    private static DateTimeOffset? Timestamp(JsonElement? parent, string name) =>
        Text(parent, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    private static ImmutableArray<AgentJobNode> Nodes(JsonElement? status)
    {
        if (status is not { } s || !s.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<AgentJobNode>();
        foreach (var node in nodes.EnumerateArray())
        {
            // A node without an alias cannot be merged by the grain (alias is its key): it is skipped.
            if (node.ValueKind != JsonValueKind.Object || Text(node, "alias") is not { Length: > 0 } alias)
            {
                continue;
            }

            string? output = node.TryGetProperty("output", out var o) && o.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                ? o.GetRawText()
                : null;
            result.Add(new AgentJobNode(alias, Text(node, "status"), output, Text(node, "lastUpdated")));
        }

        return result.ToImmutable();
    }
}
