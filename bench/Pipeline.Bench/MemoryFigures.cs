using System.Text.Json.Nodes;
using Orleans.Runtime;

namespace AgentJobSync.Bench;

/// <summary>
/// Memory of the silos and the watch host per tracked job: resident (VmRSS, what a pod's limit counts) and managed heap
/// after full collections, as growth from a baseline taken the same way right after start. Full collections: every
/// silo through Orleans' management grain, and a heap dump of one silo and the watch host (<c>dotnet-gcdump</c> runs a
/// full blocking collection first), whose largest types say what holds the bytes.
/// </summary>
internal sealed class MemoryFigures(BenchSystem system)
{
    private Measurement baseline;

    public async Task BaselineAsync() => baseline = await MeasureAsync("baseline");

    /// <summary>Deactivates idle grains, collects, and returns the growth per job of <paramref name="tracked"/> jobs.</summary>
    public async Task<JsonObject> GrowthAsync(int tracked)
    {
        var management = system.Orleans.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var residentAsIs = Resident.Bytes(system.Pids);
        var now = await MeasureAsync("scale");
        double PerJob(double after, double before) => Math.Round((after - before) / tracked);
        return new JsonObject
        {
            ["jobs"] = tracked,
            ["resident_bytes_per_job"] = PerJob(now.SilosResident + now.WatchHostResident, baseline.SilosResident + baseline.WatchHostResident),
            ["heap_bytes_per_job"] = PerJob(now.SilosHeap + now.WatchHostHeap, baseline.SilosHeap + baseline.WatchHostHeap),
            ["resident_mib_before_collections"] = residentAsIs / 1048576,
            ["resident_mib"] = (now.SilosResident + now.WatchHostResident) / 1048576,
            // What the garbage collectors keep committed (live objects and free space they have not returned) and the
            // threads, whose stacks are resident too: where resident growth goes that the heaps do not show.
            ["gc_committed_bytes_per_job"] = PerJob(now.Committed, baseline.Committed),
            ["threads"] = new JsonObject { ["before"] = baseline.Threads, ["after"] = now.Threads },
            ["by_process"] = new JsonObject
            {
                ["silos_resident"] = PerJob(now.SilosResident, baseline.SilosResident),
                ["silos_heap"] = PerJob(now.SilosHeap, baseline.SilosHeap),
                ["watch_host_resident"] = PerJob(now.WatchHostResident, baseline.WatchHostResident),
                ["watch_host_heap"] = PerJob(now.WatchHostHeap, baseline.WatchHostHeap),
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
            Resident.Threads(system.Pids));
    }

    private readonly record struct Measurement(long SilosResident, long WatchHostResident, double SilosHeap, double WatchHostHeap, double Committed, long Threads);
}
