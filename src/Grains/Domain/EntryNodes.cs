using AgentJobSync.Grains.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace AgentJobSync.Grains.Domain;

/// <summary>
/// Converts nodes between the AgentJob's JSON and the entry's BSON, and caps what is copied: node outputs are the only
/// unbounded part of an entry, so beyond <see cref="MaxNodesBytes"/> they are dropped before the state is written, and
/// an entry whose nodes still do not fit is reported instead of written.
/// </summary>
public static class EntryNodes
{
    /// <summary>The most BSON the <c>nodes</c> of one entry may take (16 MiB is the whole user document's limit).</summary>
    public const int MaxNodesBytes = 256 * 1024;

    private static readonly JsonWriterSettings CanonicalJson = new() { OutputMode = JsonOutputMode.RelaxedExtendedJson, Indent = false };

    /// <summary>A node's output in one canonical JSON spelling, so the same value read back from the entry compares equal.</summary>
    public static string? CanonicalOutput(string? json)
    {
        if (json is null)
        {
            return null;
        }

        var value = ParseJsonValue(json);
        return value is null || value.IsBsonNull ? null : value.ToJson(CanonicalJson);
    }

    /// <summary>The nodes an entry holds, as observations (outputs in canonical JSON).</summary>
    public static IReadOnlyList<NodeObservation> FromEntry(BsonDocument entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!entry.TryGetValue(JobEntryFields.Nodes, out var nodes) || nodes is not BsonArray array)
        {
            return [];
        }

        return [.. array.OfType<BsonDocument>().Select(n => new NodeObservation(
            StringOrNull(n, "alias") ?? string.Empty,
            StringOrNull(n, "status"),
            n.TryGetValue("output", out var output) && !output.IsBsonNull ? output.ToJson(CanonicalJson) : null,
            StringOrNull(n, "lastUpdated")))];
    }

    /// <summary>
    /// The BSON array to write for these nodes: with outputs when it fits in <see cref="MaxNodesBytes"/>, else without
    /// them (<paramref name="outputsDropped"/>), else null (the entry cannot hold these nodes).
    /// </summary>
    public static BsonArray? ToBson(IReadOnlyList<NodeObservation> nodes, out bool outputsDropped)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        outputsDropped = false;
        var full = new BsonArray(nodes.Select(n => Node(n, withOutput: true)));
        if (Size(full) <= MaxNodesBytes)
        {
            return full;
        }

        outputsDropped = true;
        var bare = new BsonArray(nodes.Select(n => Node(n, withOutput: false)));
        return Size(bare) <= MaxNodesBytes ? bare : null;
    }

    private static BsonDocument Node(NodeObservation node, bool withOutput)
    {
        var document = new BsonDocument
        {
            { "alias", node.Alias },
            { "status", (BsonValue?)node.Status ?? BsonNull.Value },
            { "lastUpdated", (BsonValue?)node.LastUpdated ?? BsonNull.Value },
        };
        if (withOutput && node.OutputJson is { } json && ParseJsonValue(json) is { } output)
        {
            document["output"] = output;
        }

        return document;
    }

    private static BsonValue? ParseJsonValue(string json)
    {
        try
        {
            return BsonDocument.Parse("{\"v\":" + json + "}")["v"];
        }
        catch (FormatException)
        {
            // Not JSON after all: keep the text rather than lose the output.
            return new BsonString(json);
        }
    }

    private static BsonDocument Wrap(BsonValue value) => new("v", value);

    private static int Size(BsonArray array) => Wrap(array).ToBson().Length;

    private static string? StringOrNull(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && value is BsonString s ? s.Value : null;
}
