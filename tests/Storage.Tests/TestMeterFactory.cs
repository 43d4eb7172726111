using System.Diagnostics.Metrics;

namespace AgentJobSync.Storage.Tests;

/// <summary>Meters for code under test that takes an <see cref="IMeterFactory"/>, disposed with the factory.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
