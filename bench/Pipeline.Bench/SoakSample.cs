using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>One minute of the soak: jobs so far, transitions persisted so far, memory of our processes, lag of the minute's jobs.</summary>
internal sealed record SoakSample(
    int Minute,
    int Jobs,
    double Transitions,
    long SilosResident,
    long WatchHostResident,
    double SilosHeap,
    double WatchHostHeap,
    (double P50, double P99) Lag,
    int BatchesInFlight)
{
    public const string Header = "minute   jobs  transitions/min  resident MiB (silos + watch host)  heap MiB (silos + watch host)  lag p50 / p99 ms  batches in flight";

    public double ResidentBytes => SilosResident + WatchHostResident;

    public double HeapBytes => SilosHeap + WatchHostHeap;

    public string Row(SoakSample? previous) => string.Create(CultureInfo.InvariantCulture,
        $"{Minute,6} {Jobs,6} {Transitions - (previous?.Transitions ?? 0),16:F0}  {ResidentBytes / 1048576,8:F1} ({SilosResident / 1048576.0:F1} + {WatchHostResident / 1048576.0:F1}){"",10}  {HeapBytes / 1048576,8:F1} ({SilosHeap / 1048576:F1} + {WatchHostHeap / 1048576:F1}){"",6}  {Lag.P50,7:F0} / {Lag.P99,6:F0}  {BatchesInFlight,17}");
}
