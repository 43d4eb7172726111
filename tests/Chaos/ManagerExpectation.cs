using MongoDB.Bson;

namespace AgentJobSync.Chaos;

/// <summary>What the manager writers left in one user's document: their own job entries, the devices and the credits.</summary>
internal sealed class ManagerExpectation
{
    public List<BsonDocument> Entries { get; } = [];

    public List<BsonDocument> Devices { get; } = [];

    public int Credits { get; set; } = 100;

    /// <summary>A write failed without an answer: what it left is unknown, so this document's manager fields are not judged.</summary>
    public bool Uncertain { get; set; }
}
