using ScottPlot;

namespace AgentJobSync.Bench;

/// <summary>The soak's minutes as a PNG: memory (left axis, MiB) and lag p99 (right axis, ms); the warm-up shaded.</summary>
internal static class SoakPlot
{
    public static void Save(IReadOnlyList<SoakSample> samples, int warmUpMinutes, string path)
    {
        var plot = new Plot();
        double[] minutes = [.. samples.Select(s => (double)s.Minute)];
        var resident = plot.Add.Scatter(minutes, samples.Select(s => s.ResidentBytes / 1048576).ToArray());
        resident.LegendText = "resident MiB (silos + watch host)";
        var heap = plot.Add.Scatter(minutes, samples.Select(s => s.HeapBytes / 1048576).ToArray());
        heap.LegendText = "managed heap MiB (silos after full GC + watch host)";
        var lag = plot.Add.Scatter(minutes, samples.Select(s => s.Lag.P99).ToArray());
        lag.LegendText = "lag p99 ms (right axis)";
        lag.Axes.YAxis = plot.Axes.Right;
        var warmUp = plot.Add.HorizontalSpan(0, warmUpMinutes);
        warmUp.LegendText = "warm-up";
        warmUp.FillStyle.Color = Colors.Gray.WithAlpha(0.15);
        plot.Axes.Bottom.Label.Text = "minute";
        plot.Axes.Left.Label.Text = "MiB";
        plot.Axes.Right.Label.Text = "lag p99 ms";
        plot.Title("make soak: memory and lag each minute");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 560);
    }
}
