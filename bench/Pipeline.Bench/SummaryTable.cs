using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentJobSync.Bench;

/// <summary>
/// The run's headline figures (the top-level keys of <c>bench/results.json</c>) against their targets, as one table at
/// the end of <c>make bench</c>. "met" / "not met" is printed, never asserted: the bench reports figures.
/// </summary>
internal static class SummaryTable
{
    /// <summary>Each headline key, what it measures, and its target: the comparison (<c>&lt;</c>, <c>&lt;=</c>, <c>&gt;=</c>) with the bound.</summary>
    public static readonly IReadOnlyList<(string Key, string Figure, string Comparison, double Bound)> Targets =
    [
        ("cpu_ms_per_transition", "CPU-ms per transition (silos + watch host, sustained)", "<=", 2),
        ("db_commands_per_transition", "database commands per transition (sustained)", "<=", 1.2),
        ("db_commands_per_new_job", "database commands per new job (creation)", "<=", 3),
        ("db_commands_per_stale_job", "database commands per stale job (catch-up)", "<=", 3),
        ("ratio", "sustained transitions/s / raw rate", ">=", 0.8),
        ("lag_p99_ms_at_half_raw", "lag p99 ms at half the raw rate offered", "<", 50),
        ("heap_bytes_per_job", "managed heap growth bytes per job added (after warm-up)", "<", 2048),
        ("resident_bytes_per_job", "resident growth bytes per job added (after warm-up, full GC)", "<", 6144),
        ("catchup_ratio", "catch-up jobs/s / raw rate", ">=", 0.5),
    ];

    public static void Print(JsonObject results)
    {
        var rows = new List<(string Figure, string Target, string Measured, string Verdict)>
        {
            ("raw rate (smaller of database and API server loops)/s", "", N(results, "raw_per_s"), ""),
        };
        foreach (var (key, figure, comparison, bound) in Targets)
        {
            var value = results[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : (double?)null;
            var met = comparison switch { "<" => value < bound, "<=" => value <= bound, _ => value >= bound };
            var verdict = value is null ? "not measured" : met ? "met" : "not met";
            rows.Add(($"{figure} [{key}]", string.Create(CultureInfo.InvariantCulture, $"{comparison} {bound}"), N(results, key), verdict));
        }

        var widths = (rows.Max(r => r.Figure.Length), rows.Max(r => r.Target.Length), rows.Max(r => r.Measured.Length));
        Console.WriteLine();
        Console.WriteLine($"scale and catch-up at {N(results, "scale_jobs")} jobs; {results["machine"]}");
        foreach (var (figure, target, measured, verdict) in rows)
        {
            Console.WriteLine($"{figure.PadRight(widths.Item1)}  {target.PadRight(widths.Item2)}  {measured.PadLeft(widths.Item3)}  {verdict}");
        }
    }

    private static string N(JsonObject results, string key) => results[key] is { } v ? v.ToJsonString() : "-";
}
