using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Sums one meter instance's counters by instrument and tag value (other tests' meters share the name).</summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> sums = new(StringComparer.Ordinal);

    public MeterRecorder(Meter meter)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                sums.AddOrUpdate($"{instrument.Name}:{tag.Value}", value, (_, v) => v + value);
            }
        });
        listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/> with the tag value <paramref name="tagValue"/>.</summary>
    public long Sum(string instrument, string tagValue) => sums.GetValueOrDefault($"{instrument}:{tagValue}");

    public void Dispose() => listener.Dispose();
}
