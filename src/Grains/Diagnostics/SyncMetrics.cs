using System.Diagnostics.Metrics;
using AgentJobSync.Grains.Domain;

namespace AgentJobSync.Grains.Diagnostics;

/// <summary>
/// The silo's own instruments, on the meter <see cref="MeterName"/>: what `/metrics` exports beside Orleans' meters and
/// what the dashboard's figures read. Names follow OpenTelemetry conventions; Prometheus sees them with dots as
/// underscores and counters suffixed <c>_total</c> (e.g. <c>agentjob_grain_calls_total{reason="Synced"}</c>).
/// </summary>
public sealed class SyncMetrics
{
    /// <summary>The meter every instrument here belongs to.</summary>
    public const string MeterName = "AgentJobSync.Grains";

    private readonly Counter<long> _calls;
    private readonly Counter<long> _transitions;
    private readonly Histogram<double> _databaseDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _lag;

    public SyncMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _calls = meter.CreateCounter<long>("agentjob.grain.calls", "{call}", "Observations handled by AgentJob grains, by outcome reason");
        _transitions = meter.CreateCounter<long>("agentjob.transitions.persisted", "{transition}", "State transitions written to the owners' documents, by state");
        _databaseDuration = meter.CreateHistogram<double>("agentjob.db.duration", "s", "Database command duration, by command and result");
        _retries = meter.CreateCounter<long>("agentjob.db.retries", "{retry}", "Transient database errors retried inside a grain call, by reason");
        _errors = meter.CreateCounter<long>("agentjob.sync.errors", "{error}", "Grain calls that did not end in sync, by reason");
        _lag = meter.CreateHistogram<double>("agentjob.sync.lag", "s", "Time from the watch host observing a change to its entry being written");
    }

    public void CallHandled(SyncOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var reason = new KeyValuePair<string, object?>("reason", outcome.Reason.ToString());
        _calls.Add(1, reason);
        if (!outcome.IsInSync)
        {
            _errors.Add(1, reason);
        }
    }

    public void TransitionPersisted(JobState state, TimeSpan lag)
    {
        _transitions.Add(1, new KeyValuePair<string, object?>("state", JobStates.Name(state)));
        _lag.Record(Math.Max(0, lag.TotalSeconds));
    }

    public void DatabaseCommand(string command, TimeSpan duration, bool succeeded) =>
        _databaseDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("result", succeeded ? "ok" : "error"));

    public void Retried(string reason) => _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
