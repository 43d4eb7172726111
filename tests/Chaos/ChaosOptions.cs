using System.Globalization;

namespace AgentJobSync.Chaos;

/// <summary>
/// What `make chaos` runs: <c>--runs</c>, <c>--seconds</c> of faults per run, <c>--seed</c> of the first run (run k uses
/// seed + k), <c>--silos</c> (pods, 3-5), <c>--jobs</c> (default 60 + one per 2 s of faults) of <c>--users</c> owners.
/// </summary>
internal sealed record ChaosOptions(int Runs, int Seconds, int Seed, int Silos, int Jobs, int Users)
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

        var seconds = Number("--seconds", 30);
        var silos = Number("--silos", 4);
        if (silos is < 3 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(args), silos, "--silos must be 3, 4 or 5");
        }

        return new ChaosOptions(
            Runs: Number("--runs", 3),
            Seconds: seconds,
            Seed: Number("--seed", Environment.TickCount & 0xFFFFF),
            Silos: silos,
            Jobs: Number("--jobs", 60 + (seconds / 2)),
            Users: Number("--users", 8));
    }
}
