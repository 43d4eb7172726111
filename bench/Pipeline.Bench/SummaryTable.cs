using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentJobSync.Bench;

/// <summary>The run's figures against the design's targets, as one table at the end of <c>make bench</c>.</summary>
internal static class SummaryTable
{
    public static void Print(JsonObject results)
    {
        string N(string key) => results[key] is { } v ? v.ToJsonString() : "-";
        var lag = results["lag_ms"]?.AsObject();
        string Lag(string rate) => lag?[rate] is JsonObject l
            ? $"p50 {l["p50"]} / p95 {l["p95"]} / p99 {l["p99"]} ms ({l["offered_per_s"]}/s achieved)"
            : "-";
        var catchUp = results["catchup_s"] is { } s
            ? $"{results["catchup_jobs"]} jobs in {s} s"
            : $"{results["catchup_converged"]} of {results["catchup_jobs"]} jobs ({results["catchup_jobs_per_s"]}/s), not finished";
        (string Figure, string Target, string Measured)[] rows =
        [
            ("raw database updates/s", "", N("raw_db_updates_per_s")),
            ("raw API server status updates/s", "", N("raw_api_status_updates_per_s")),
            ("pipeline transitions/s (ratio)", "ratio >= 0.8", $"{N("pipeline_transitions_per_s")} ({N("ratio")})"),
            ("lag at 100/s offered", "", Lag("100")),
            ("lag at 500/s offered", "", Lag("500")),
            ("lag at 1000/s offered", "p99 < 50 ms", Lag("1000")),
            ("resident bytes per tracked job", "< 2,048 at 100,000 jobs", $"{N("bytes_per_tracked_job")} at {N("bytes_per_tracked_job_jobs")} jobs"),
            ("managed heap bytes per tracked job", "", N("heap_bytes_per_tracked_job")),
            ("catch-up after watch host downtime", "100,000 jobs < 60 s", catchUp),
        ];
        var widths = (rows.Max(r => r.Figure.Length), rows.Max(r => r.Target.Length));
        Console.WriteLine();
        foreach (var (figure, target, measured) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{figure.PadRight(widths.Item1)}  {target.PadRight(widths.Item2)}  {measured}"));
        }
    }
}
