using System.Globalization;

namespace AgentJobSync.Chaos;

/// <summary>What `make chaos` runs: <c>--runs</c>, <c>--seconds</c> of faults per run, <c>--seed</c> of the first run (run k uses seed + k).</summary>
internal sealed record ChaosOptions(int Runs, int Seconds, int Seed, int Jobs, int Users)
{
    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        string? Value(string name)
        {
            var i = args.ToList().IndexOf(name);
            return i >= 0 && i + 1 < args.Count && args[i + 1].Length > 0 ? args[i + 1] : null;
        }

        int Number(string name, int fallback) =>
            Value(name) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

        return new ChaosOptions(
            Runs: Number("--runs", 3),
            Seconds: Number("--seconds", 30),
            Seed: Number("--seed", Environment.TickCount & 0xFFFFF),
            Jobs: Number("--jobs", 60),
            Users: Number("--users", 8));
    }
}
