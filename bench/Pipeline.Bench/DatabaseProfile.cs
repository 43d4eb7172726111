using System.Text.Json.Nodes;

namespace AgentJobSync.Bench;

/// <summary>
/// Database commands the silos ran, by command name: how many and how long in all (from their
/// <c>agentjob_db_duration_seconds</c> histogram). The difference of two snapshots says where one phase's time went;
/// the test database serializes requests, so the seconds add up to the time the database was busy.
/// </summary>
internal sealed record DatabaseProfile(IReadOnlyDictionary<string, (double Count, double Seconds)> ByCommand)
{
    private static readonly string[] Commands = ["find", "findAndModify", "update", "insert", "delete", "aggregate", "ping", "createIndexes", "getMore"];

    public static async Task<DatabaseProfile> ScrapeAsync(IReadOnlyList<int> siloPorts)
    {
        // One scrape of each silo for every command (each scrape costs the silos a collection of all their instruments).
        var bodies = await Scrape.BodiesAsync(siloPorts);
        var byCommand = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var command in Commands)
        {
            var label = $"command=\"{command}\"";
            byCommand[command] = (
                Scrape.Sum(bodies, "agentjob_db_duration_seconds_count", label),
                Scrape.Sum(bodies, "agentjob_db_duration_seconds_sum", label));
        }

        return new DatabaseProfile(byCommand);
    }

    public DatabaseProfile Since(DatabaseProfile earlier) => new(ByCommand.ToDictionary(
        c => c.Key,
        c => earlier.ByCommand.TryGetValue(c.Key, out var e) ? (c.Value.Count - e.Count, c.Value.Seconds - e.Seconds) : c.Value,
        StringComparer.Ordinal));

    /// <summary>Commands of every name.</summary>
    public double Total => ByCommand.Values.Sum(c => c.Count);

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (command, (count, seconds)) in ByCommand.Where(c => c.Value.Count > 0))
        {
            json[command] = new JsonObject { ["count"] = count, ["seconds"] = Math.Round(seconds, 1) };
        }

        return json;
    }

    public override string ToString() => string.Join(", ", ByCommand.Where(c => c.Value.Count > 0)
        .Select(c => $"{c.Key} {c.Value.Count:F0} ({c.Value.Seconds:F1} s)"));
}
