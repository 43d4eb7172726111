using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// One minute of the soak: jobs so far, transitions persisted so far, memory of our processes, the silos' grain
/// activations, lag of the minute's jobs.
/// <see cref="HeldBytes"/> is the memory our processes hold: what the garbage collectors hold committed after their last
/// collections, and what is resident outside their ranges (<see cref="GcRange"/>). Resident memory climbs towards it for
/// many minutes after a start, as the GC writes its committed free regions for the first time; it is the figure that
/// grows when anything leaks, managed (more committed) or native (more resident outside the GC), and it does not move
/// with how far that first writing has got.
/// </summary>
internal sealed record SoakSample(
    int Minute,
    int Jobs,
    double Transitions,
    long SilosResident,
    long WatchHostResident,
    double SilosHeap,
    double WatchHostHeap,
    double GcCommitted,
    long ResidentOutsideGc,
    double Activations,
    (double P50, double P99) Lag,
    int BatchesInFlight)
{
    public const string Header = "minute   jobs  transitions/min  resident MiB (silos + watch host)  GC committed MiB  resident outside GC MiB  held MiB  heap MiB (silos + watch host)  activations  lag p50 / p99 ms  batches in flight";

    public double ResidentBytes => SilosResident + WatchHostResident;

    /// <summary>The GCs' committed memory and the resident memory outside their ranges: what resident memory converges to.</summary>
    public double HeldBytes => GcCommitted + ResidentOutsideGc;

    public double HeapBytes => SilosHeap + WatchHostHeap;

    public string Row(SoakSample? previous) => string.Create(CultureInfo.InvariantCulture,
        $"{Minute,6} {Jobs,6} {Transitions - (previous?.Transitions ?? 0),16:F0}  {ResidentBytes / 1048576,8:F1} ({SilosResident / 1048576.0:F1} + {WatchHostResident / 1048576.0:F1}){"",10}  {GcCommitted / 1048576,16:F1}  {ResidentOutsideGc / 1048576.0,23:F1}  {HeldBytes / 1048576,8:F1}  {HeapBytes / 1048576,8:F1} ({SilosHeap / 1048576:F1} + {WatchHostHeap / 1048576:F1}){"",6}  {Activations,11:F0}  {Lag.P50,7:F0} / {Lag.P99,6:F0}  {BatchesInFlight,17}");
}
