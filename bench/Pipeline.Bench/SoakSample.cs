using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// One minute of the soak: jobs so far, transitions persisted so far, memory of our processes, the silos' grain
/// activations, lag of the minute's jobs.
/// <see cref="GcFree"/> is memory the garbage collector holds committed but empty after its last collection (committed
/// minus the heap's size with its fragmentation): a cache the GC sizes by its own policy (its allocation budgets) and
/// gives back under memory pressure, so it moves by megabytes from one minute to the next without anything leaking.
/// <see cref="RetainedBytes"/>, resident memory without it, is what a leak, managed or native, makes grow.
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
    double Activations,
    (double P50, double P99) Lag,
    int BatchesInFlight)
{
    public const string Header = "minute   jobs  transitions/min  resident MiB (silos + watch host)  GC free MiB  retained MiB  heap MiB (silos + watch host)  activations  lag p50 / p99 ms  batches in flight";

    public double ResidentBytes => SilosResident + WatchHostResident;

    /// <summary>The GC's committed memory less the heap's size (with fragmentation): committed but empty.</summary>
    public double GcFree => GcCommitted - HeapBytes;

    /// <summary>Resident memory less the GC's committed free memory.</summary>
    public double RetainedBytes => ResidentBytes - GcFree;

    public double HeapBytes => SilosHeap + WatchHostHeap;

    public string Row(SoakSample? previous) => string.Create(CultureInfo.InvariantCulture,
        $"{Minute,6} {Jobs,6} {Transitions - (previous?.Transitions ?? 0),16:F0}  {ResidentBytes / 1048576,8:F1} ({SilosResident / 1048576.0:F1} + {WatchHostResident / 1048576.0:F1}){"",10}  {GcFree / 1048576,11:F1}  {RetainedBytes / 1048576,12:F1}  {HeapBytes / 1048576,8:F1} ({SilosHeap / 1048576:F1} + {WatchHostHeap / 1048576:F1}){"",6}  {Activations,11:F0}  {Lag.P50,7:F0} / {Lag.P99,6:F0}  {BatchesInFlight,17}");
}
