using MongoDB.Bson;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// An entry's <c>sync_rev</c> exactly as read. The next write is guarded by that very value (or by the field's absence),
/// whatever another writer left there (0, a negative number, 2.5, a string, null), so the guard matches when nobody wrote
/// in between; <see cref="Number"/> is what it counts as and <see cref="Next"/> what the write sets.
/// </summary>
/// <param name="Value">The field's value, or null when the entry has no such field.</param>
public readonly record struct EntryRevision(BsonValue? Value)
{
    /// <summary>The revision of an entry without the field (written by someone else).</summary>
    public static EntryRevision Absent => default;

    /// <summary>The revision our own write leaves: <paramref name="number"/> as a 64-bit integer (absent for 0).</summary>
    public static EntryRevision Of(long number) => new(number == 0 ? null : new BsonInt64(number));

    /// <summary>The revision of <paramref name="entry"/> as read.</summary>
    public static EntryRevision Of(BsonDocument entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new(entry.TryGetValue(JobEntryFields.Revision, out var value) ? value : null);
    }

    /// <summary>A whole number of at least 1 counts as itself; anything else (ours never is) restarts the count at 0.</summary>
    public long Number => Value is { IsNumeric: true } v && v.ToDouble() is var d && d >= 1 && d < long.MaxValue && Math.Floor(d) == d ? v.ToInt64() : 0;

    /// <summary>The revision the next write sets.</summary>
    public long Next => Number + 1;

    /// <summary>The filter on the field that matches exactly what was read.</summary>
    public BsonDocument Guard => Value is null ? new BsonDocument("$exists", false) : new BsonDocument("$eq", Value);
}
