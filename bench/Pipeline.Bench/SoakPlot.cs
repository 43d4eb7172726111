using ScottPlot;

namespace AgentJobSync.Bench;

/// <summary>The soak's minutes as a PNG: memory (left axis, MiB) and lag p99 (right axis, ms), both from zero; the warm-up shaded.</summary>
internal static class SoakPlot
{
    public static void Save(IReadOnlyList<SoakSample> samples, int warmUpMinutes, string path)
    {
        var plot = new Plot();
        double[] minutes = [.. samples.Select(s => (double)s.Minute)];
        var resident = plot.Add.Scatter(minutes, samples.Select(s => s.ResidentBytes / 1048576).ToArray());
        resident.LegendText = "resident MiB (silos + watch host)";
        var held = plot.Add.Scatter(minutes, samples.Select(s => s.HeldBytes / 1048576).ToArray());
        held.LegendText = "held MiB: GC committed + resident outside the GC (judged)";
        var heap = plot.Add.Scatter(minutes, samples.Select(s => s.HeapBytes / 1048576).ToArray());
        heap.LegendText = "managed heap MiB after a full GC (silos + watch host)";
        var lag = plot.Add.Scatter(minutes, samples.Select(s => s.Lag.P99).ToArray());
        lag.LegendText = "lag p99 ms (right axis; 10,000: not persisted within 10 s)";
        lag.Axes.YAxis = plot.Axes.Right;
        var warmUp = plot.Add.HorizontalSpan(0, warmUpMinutes);
        warmUp.LegendText = "warm-up";
        warmUp.FillStyle.Color = Colors.Gray.WithAlpha(0.15);
        plot.Axes.Bottom.Label.Text = "minute";
        plot.Axes.Left.Label.Text = "MiB";
        plot.Axes.Right.Label.Text = "lag p99 ms";
        plot.Title("make soak: memory and lag each minute");
        // Both axes from zero, so a flat line looks flat and a small drift small.
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, Math.Max(1, samples.Max(s => Math.Max(s.ResidentBytes, s.HeldBytes)) / 1048576 * 1.3), plot.Axes.Left);
        plot.Axes.SetLimitsY(0, Math.Max(1, samples.Where(s => !double.IsNaN(s.Lag.P99)).Select(s => s.Lag.P99).DefaultIfEmpty(1).Max() * 1.3), plot.Axes.Right);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 560);
    }
}
