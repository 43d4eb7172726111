using System.Collections.Concurrent;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Records what the worker reports.</summary>
internal sealed class RecordingEventSink : IJobEventSink
{
    public ConcurrentQueue<(AgentJob Job, JobEvent Event)> Reported { get; } = new();

    public void Report(AgentJob job, JobEvent jobEvent) => Reported.Enqueue((job, jobEvent));
}
