using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// The soak's memory rule: after the warm-up, the least-squares slope of memory over the minutes, divided by the jobs
/// cycled per minute, must stay below a small part of what one tracked job may take (targets: 2 KB of managed heap,
/// 6 KB resident): at most <see cref="HeapBytesPerJob"/> of managed heap and <see cref="ResidentBytesPerJob"/> of
/// resident memory per job cycled. Resident is taken without the GC's committed free memory
/// (<see cref="SoakSample.RetainedBytes"/>), as the targets' resident figure is taken after a collection and a trim. A leak
/// of even a sixteenth of a job's bookkeeping per finished job crosses it. At least three samples after the warm-up are
/// needed to judge; fewer is a failure (nothing shown flat).
/// </summary>
internal sealed record SoakVerdict(bool Flat, double HeapSlope, double ResidentSlope, int Samples, int JobsPerMinute)
{
    public const double HeapBytesPerJob = 128;
    public const double ResidentBytesPerJob = 384;

    public static SoakVerdict Judge(IReadOnlyList<SoakSample> samples, int warmUpMinutes, int jobsPerMinute)
    {
        var after = samples.Where(s => s.Minute >= warmUpMinutes).ToList();
        if (after.Count < 3)
        {
            return new SoakVerdict(false, double.NaN, double.NaN, after.Count, jobsPerMinute);
        }

        var heap = Slope(after, s => s.HeapBytes);
        var resident = Slope(after, s => s.RetainedBytes);
        var flat = heap / jobsPerMinute <= HeapBytesPerJob && resident / jobsPerMinute <= ResidentBytesPerJob;
        return new SoakVerdict(flat, heap, resident, after.Count, jobsPerMinute);
    }

    /// <summary>Least-squares slope of <paramref name="value"/> over the samples' minutes (bytes per minute).</summary>
    public static double Slope(IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value)
    {
        var meanX = samples.Average(s => s.Minute);
        var meanY = samples.Average(value);
        var covariance = samples.Sum(s => (s.Minute - meanX) * (value(s) - meanY));
        var variance = samples.Sum(s => (s.Minute - meanX) * (s.Minute - meanX));
        return covariance / variance;
    }

    public string Describe() => double.IsNaN(HeapSlope)
        ? $"soak: memory NOT judged: {Samples} samples after the warm-up, 3 needed (a longer SOAK_MINUTES)"
        : string.Create(CultureInfo.InvariantCulture,
            $"soak: memory after warm-up ({Samples} samples, {JobsPerMinute} jobs/min): managed heap {HeapSlope / 1024:F1} KiB/min = {HeapSlope / JobsPerMinute:F0} B per job cycled (limit {HeapBytesPerJob}), resident less GC free memory {ResidentSlope / 1024:F1} KiB/min = {ResidentSlope / JobsPerMinute:F0} B per job cycled (limit {ResidentBytesPerJob}): {(Flat ? "flat" : "GROWING")}");
}
