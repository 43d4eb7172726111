using MongoDB.Bson;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// A user's <c>jobs</c> value as one fresh read from the primary returned it, and where a job's entries sit in it.
/// Positions shift when other entries are removed, so every write re-checks the id at the position it read.
/// </summary>
public sealed class JobsSnapshot
{
    private JobsSnapshot(BsonValue? jobs, string uid)
    {
        Raw = jobs;
        if (jobs is BsonArray array)
        {
            Array = array;
            var positions = new List<int>();
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is BsonDocument element && element.TryGetValue(JobEntryFields.Id, out var id) && id is BsonString s && s.Value == uid)
                {
                    positions.Add(i);
                }
            }

            Positions = positions;
        }
        else
        {
            Positions = [];
        }
    }

    /// <summary>The field as read: missing (null), BSON null, an array, or anything else a broken writer left.</summary>
    public BsonValue? Raw { get; }

    /// <summary>The array, when <c>jobs</c> is one.</summary>
    public BsonArray? Array { get; }

    /// <summary>Indices of every element whose <c>id</c> is the job's UID, in array order.</summary>
    public IReadOnlyList<int> Positions { get; }

    /// <summary>Whether <c>jobs</c> is absent or an array (the only shapes a <c>$push</c> can extend).</summary>
    public bool CanHoldEntries => Raw is null || Raw is BsonArray;

    /// <summary>The array's length (0 when absent).</summary>
    public int Length => Array?.Count ?? 0;

    /// <summary>The first entry of the job, if any.</summary>
    public BsonDocument? Entry => Positions.Count > 0 ? (BsonDocument)Array![Positions[0]] : null;

    /// <summary>The first entry's revision exactly as read (what the next write's guard requires).</summary>
    public EntryRevision EntryRevision => Entry is { } e ? EntryRevision.Of(e) : EntryRevision.Absent;

    internal static JobsSnapshot Of(BsonValue? jobs, string uid) => new(jobs, uid);
}
