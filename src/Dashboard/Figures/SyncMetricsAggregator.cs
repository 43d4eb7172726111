using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using AgentJobSync.Grains.Diagnostics;

namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// Listens, in process, to the same instruments <c>/metrics</c> exports (meter <see cref="SyncMetrics.MeterName"/>) and
/// keeps the last minute of them in sliding windows, so the dashboard shows the numbers Prometheus scrapes without
/// scraping itself. Only this silo's meter is heard: instruments are matched by the meter's scope, the silo's own
/// <see cref="IMeterFactory"/>, so several silos in one process (tests) never mix their figures.
/// </summary>
public sealed class SyncMetricsAggregator : IDisposable
{
    /// <summary>How far back the figures reach.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private static readonly HashSet<string> Heard = new(StringComparer.Ordinal)
    {
        "agentjob.transitions.persisted", "agentjob.db.duration", "agentjob.sync.lag", "agentjob.db.retries", "agentjob.sync.errors",
    };

    private readonly MeterListener _listener;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly SlidingWindow _transitions = new(Window);
    private readonly SlidingWindow _database = new(Window);
    private readonly SlidingWindow _lag = new(Window);
    private readonly SlidingWindow _retries = new(Window);
    private readonly ConcurrentDictionary<string, SlidingWindow> _errors = new(StringComparer.Ordinal);

    public SyncMetricsAggregator(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _started = time.GetUtcNow();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SyncMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory) && Heard.Contains(instrument.Name))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The figures now, named after <paramref name="silo"/>.</summary>
    public SyncFigures Snapshot(string silo)
    {
        var now = _time.GetUtcNow();
        var seconds = Math.Clamp((now - _started).TotalSeconds, 1, Window.TotalSeconds);
        var transitions = _transitions.Snapshot(now);
        var database = _database.Snapshot(now);
        var lag = _lag.Snapshot(now);
        var errors = _errors.ToDictionary(e => e.Key, e => e.Value.Snapshot(now).Count, StringComparer.Ordinal);
        return new SyncFigures(
            silo,
            seconds,
            transitions.Count / seconds,
            transitions.Count,
            Milliseconds(database.P50),
            Milliseconds(database.P99),
            database.Count,
            Milliseconds(lag.P50),
            Milliseconds(lag.P99),
            _retries.Snapshot(now).Count,
            errors.Values.Sum(),
            errors.Where(e => e.Value > 0).ToImmutableDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
            now);
    }

    public void Dispose() => _listener.Dispose();

    private static double? Milliseconds(double? seconds) => seconds * 1000;

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        string? reason = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "reason")
            {
                reason = tag.Value?.ToString();
            }
        }

        var measured = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        var isCounter = instrument is Counter<long>;
        WindowFor(instrument.Name, reason)?.Record(_time.GetUtcNow(), measured, isCounter ? (long)measured : 1);
    }

    private SlidingWindow? WindowFor(string instrument, string? reason) => instrument switch
    {
        "agentjob.transitions.persisted" => _transitions,
        "agentjob.db.duration" => _database,
        "agentjob.sync.lag" => _lag,
        "agentjob.db.retries" => _retries,
        "agentjob.sync.errors" => _errors.GetOrAdd(reason ?? "unknown", _ => new SlidingWindow(Window)),
        _ => null,
    };
}
