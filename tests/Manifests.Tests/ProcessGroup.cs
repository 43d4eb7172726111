using AgentJobSync.TestHarness;

namespace AgentJobSync.Manifests.Tests;

/// <summary>Processes a test started, stopped together (at the latest when the test ends).</summary>
internal sealed class ProcessGroup : IAsyncDisposable
{
    private readonly List<ManagedProcess> processes = [];

    public PodProcess Add(PodProcess process)
    {
        processes.Add(process.Process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        processes.Clear();
    }
}
