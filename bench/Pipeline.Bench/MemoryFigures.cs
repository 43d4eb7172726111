using System.Text.Json.Nodes;
using Orleans.Runtime;

namespace AgentJobSync.Bench;

/// <summary>
/// Memory of the silos and the watch host per tracked job: resident (VmRSS, what a pod's limit counts) and managed heap
/// after idle grains are deactivated and full collections. The headline figures are marginal: growth from a baseline
/// taken the same way after the first phases' traffic (<see cref="WarmBaselineAsync"/>), divided by the jobs added
/// since. A baseline right after start would count as "per job" what the first traffic costs once (JIT'd code,
/// thread-pool threads, connection pools, the regions the collector commits), which with few jobs dwarfs what a job
/// costs; that figure is kept as <c>since_start</c>. Full collections: every silo through Orleans' management grain,
/// and a heap dump of one silo and the watch host (<c>dotnet-gcdump</c> runs a full blocking collection first), whose
/// largest types say what holds the bytes.
/// </summary>
internal sealed class MemoryFigures(BenchSystem system)
{
    private Measurement started;
    private Measurement warm;

    /// <summary>The baseline right after the processes start.</summary>
    public async Task BaselineAsync() => started = await MeasureAsync("baseline");

    /// <summary>The baseline after the first traffic, idle grains deactivated: what the jobs added later are measured from.</summary>
    public async Task WarmBaselineAsync()
    {
        await system.Orleans.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        warm = await MeasureAsync("warm");
    }

    /// <summary>
    /// Deactivates idle grains, collects, and returns the growth per job of the <paramref name="added"/> jobs tracked
    /// since <see cref="WarmBaselineAsync"/> (and, as <c>since_start</c>, of all <paramref name="tracked"/> jobs since start).
    /// </summary>
    public async Task<JsonObject> GrowthAsync(int added, int tracked)
    {
        var management = system.Orleans.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var residentAsIs = Resident.Bytes(system.Pids);
        var now = await MeasureAsync("scale");
        double PerJob(double after, double before, int jobs) => Math.Round((after - before) / jobs);
        return new JsonObject
        {
            ["jobs"] = added,
            ["resident_bytes_per_job"] = PerJob(now.SilosResident + now.WatchHostResident, warm.SilosResident + warm.WatchHostResident, added),
            ["heap_bytes_per_job"] = PerJob(now.SilosHeap + now.WatchHostHeap, warm.SilosHeap + warm.WatchHostHeap, added),
            ["resident_mib_before_collections"] = residentAsIs / 1048576,
            ["resident_mib"] = (now.SilosResident + now.WatchHostResident) / 1048576,
            ["resident_mib_warm"] = (warm.SilosResident + warm.WatchHostResident) / 1048576,
            ["resident_mib_at_start"] = (started.SilosResident + started.WatchHostResident) / 1048576,
            // What the garbage collectors keep committed (live objects and free space they have not returned) and the
            // threads, whose stacks are resident too: where resident growth goes that the heaps do not show.
            ["gc_committed_bytes_per_job"] = PerJob(now.Committed, warm.Committed, added),
            ["resident_file_bytes_per_job"] = PerJob(now.ResidentFiles, warm.ResidentFiles, added),
            ["threads"] = new JsonObject { ["start"] = started.Threads, ["warm"] = warm.Threads, ["after"] = now.Threads },
            ["by_process"] = new JsonObject
            {
                ["silos_resident"] = PerJob(now.SilosResident, warm.SilosResident, added),
                ["silos_heap"] = PerJob(now.SilosHeap, warm.SilosHeap, added),
                ["watch_host_resident"] = PerJob(now.WatchHostResident, warm.WatchHostResident, added),
                ["watch_host_heap"] = PerJob(now.WatchHostHeap, warm.WatchHostHeap, added),
            },
            ["since_start"] = new JsonObject
            {
                ["jobs"] = tracked,
                ["resident_bytes_per_job"] = PerJob(now.SilosResident + now.WatchHostResident, started.SilosResident + started.WatchHostResident, tracked),
                ["heap_bytes_per_job"] = PerJob(now.SilosHeap + now.WatchHostHeap, started.SilosHeap + started.WatchHostHeap, tracked),
                ["gc_committed_bytes_per_job"] = PerJob(now.Committed, started.Committed, tracked),
                ["resident_file_bytes_per_job"] = PerJob(now.ResidentFiles, started.ResidentFiles, tracked),
            },
        };
    }

    private async Task<Measurement> MeasureAsync(string label)
    {
        var management = system.Orleans.GetGrain<IManagementGrain>(0);
        await management.ForceGarbageCollection([.. (await management.GetHosts(onlyActive: true)).Keys]);
        foreach (var (pid, name) in new[] { (system.Cluster.Silo(0).Pid, "silo"), (system.WatchHost.Process.Pid, "watchhost") })
        {
            var types = await DiagnosticsTools.HeapTypesAsync(pid, $"{name}-{label}", 25);
            Console.WriteLine(types is null
                ? $"  {name} ({label}): dotnet-gcdump not in {DiagnosticsTools.ToolsDirectory}; no heap dump (and no full collection of the watch host)"
                : $"  largest types of {name} ({label}, after a full collection):\n{types}");
        }

        return new Measurement(
            Resident.Bytes(system.SiloPids),
            Resident.Bytes([system.WatchHost.Process.Pid]),
            await BenchSystem.HeapBytesAsync(system.SiloPorts),
            await BenchSystem.HeapBytesAsync([system.WatchHost.HttpPort]),
            await Scrape.SumAsync(system.HttpPorts, "dotnet_gc_last_collection_memory_committed_size_bytes"),
            Resident.Threads(system.Pids),
            Resident.FileBytes(system.Pids));
    }

    private readonly record struct Measurement(long SilosResident, long WatchHostResident, double SilosHeap, double WatchHostHeap, double Committed, long Threads, long ResidentFiles);
}
