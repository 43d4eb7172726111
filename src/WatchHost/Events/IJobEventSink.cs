using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Events;

/// <summary>Receives the events the worker reports about jobs. Must return at once: reporting never blocks routing.</summary>
public interface IJobEventSink
{
    /// <summary>Reports <paramref name="jobEvent"/> about <paramref name="job"/>.</summary>
    void Report(AgentJob job, JobEvent jobEvent);
}
