using System.Collections.Concurrent;
using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Routing;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Stands in for the grains (tested elsewhere): records every observation and answers a chosen outcome per job name.</summary>
internal sealed class RecordingRouter : IJobRouter
{
    private readonly ConcurrentDictionary<string, Func<JobObservation, SyncOutcome>> answers = new(StringComparer.Ordinal);

    public ConcurrentQueue<JobObservation> Calls { get; } = new();

    /// <summary>Answers <paramref name="reason"/> for the job named <paramref name="name"/> from now on.</summary>
    public void Answer(string name, SyncReason reason) => answers[name] = _ => Outcome(reason);

    /// <summary>Throws for the job named <paramref name="name"/> from now on (an unreachable grain).</summary>
    public void Fail(string name) => answers[name] = _ => throw new TimeoutException("silo unreachable");

    public IReadOnlyList<JobObservation> CallsFor(string name) => [.. Calls.Where(c => c.Name == name)];

    public Task<SyncOutcome> RouteAsync(JobObservation observation, CancellationToken cancellationToken)
    {
        Calls.Enqueue(observation);
        var answer = answers.TryGetValue(observation.Name, out var a) ? a : _ => Outcome(SyncReason.Synced);
        return Task.FromResult(answer(observation));
    }

    public static SyncOutcome Outcome(SyncReason reason) => new(reason, null, false, false, 0, $"test says {reason}");
}
