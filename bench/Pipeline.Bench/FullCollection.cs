using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace AgentJobSync.Bench;

/// <summary>
/// A blocking full collection in another .NET process, asked through its diagnostics port as <c>dotnet-gcdump</c> asks
/// before a heap dump: an EventPipe session with the runtime's <c>GCHeapCollect</c> keyword. Lets the soak read the watch
/// host's heap after a full collection, as the silos' (which Orleans' management grain collects), instead of as its last
/// collection of any generation left it.
/// </summary>
internal static class FullCollection
{
    public static async Task RunAsync(int pid, TimeSpan timeout)
    {
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, keywords)], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var collected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStop += gc =>
        {
            if (gc.Depth == 2)
            {
                collected.TrySetResult();
            }
        };
        var reading = Task.Run(source.Process);
        try
        {
            await collected.Task.WaitAsync(timeout);
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            await reading;
        }
    }
}
