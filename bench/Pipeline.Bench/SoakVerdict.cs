using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// The soak's memory rule: after the warm-up, the least-squares slope of memory over the minutes, divided by the jobs
/// cycled per minute, must stay below a small part of what one tracked job may take (targets: 2 KB of managed heap,
/// 6 KB resident): at most <see cref="HeapBytesPerJob"/> of managed heap and <see cref="HeldBytesPerJob"/> of
/// held memory per job cycled (<see cref="SoakSample.HeldBytes"/>: the GCs' committed memory and the resident memory
/// outside them, which resident memory converges to; resident itself keeps climbing towards it for many minutes after a
/// start as the GC first writes its committed free regions, which is not a leak). A leak
/// of even a sixteenth of a job's bookkeeping per finished job crosses it. At least three samples after the warm-up are
/// needed to judge; fewer is a failure (nothing shown flat).
/// </summary>
internal sealed record SoakVerdict(bool Flat, double HeapSlope, double HeldSlope, int Samples, int JobsPerMinute)
{
    public const double HeapBytesPerJob = 128;
    public const double HeldBytesPerJob = 384;

    public static SoakVerdict Judge(IReadOnlyList<SoakSample> samples, int warmUpMinutes, int jobsPerMinute)
    {
        var after = samples.Where(s => s.Minute >= warmUpMinutes).ToList();
        if (after.Count < 3)
        {
            return new SoakVerdict(false, double.NaN, double.NaN, after.Count, jobsPerMinute);
        }

        var heap = Slope(after, s => s.HeapBytes);
        var held = Slope(after, s => s.HeldBytes);
        var flat = heap / jobsPerMinute <= HeapBytesPerJob && held / jobsPerMinute <= HeldBytesPerJob;
        return new SoakVerdict(flat, heap, held, after.Count, jobsPerMinute);
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
            $"soak: memory after warm-up ({Samples} samples, {JobsPerMinute} jobs/min): managed heap {HeapSlope / 1024:F1} KiB/min = {HeapSlope / JobsPerMinute:F0} B per job cycled (limit {HeapBytesPerJob}), held (GC committed + resident outside the GC) {HeldSlope / 1024:F1} KiB/min = {HeldSlope / JobsPerMinute:F0} B per job cycled (limit {HeldBytesPerJob}): {(Flat ? "flat" : "GROWING")}");
}
