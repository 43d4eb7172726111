using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>
/// Sums of Prometheus samples from a process's <c>/metrics</c>, to say where the time goes. Every request makes the
/// process collect all its instruments, CPU that is the bench's load and not production's (Prometheus scrapes every
/// 15 to 60 s), so <see cref="Requests"/> counts them and callers read several figures from one body.
/// </summary>
internal static class Scrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static long requests;

    /// <summary>Requests to <c>/metrics</c> made so far (one per port and scrape).</summary>
    public static long Requests => Interlocked.Read(ref requests);

    /// <summary>The <c>/metrics</c> text of every port.</summary>
    public static async Task<IReadOnlyList<string>> BodiesAsync(IEnumerable<int> httpPorts)
    {
        var bodies = new List<string>();
        foreach (var port in httpPorts)
        {
            Interlocked.Increment(ref requests);
            bodies.Add(await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics")));
        }

        return bodies;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>, over every port.</summary>
    public static async Task<double> SumAsync(IEnumerable<int> httpPorts, string name, string label = "") =>
        Sum(await BodiesAsync(httpPorts), name, label);

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>, over <paramref name="bodies"/>.</summary>
    public static double Sum(IEnumerable<string> bodies, string name, string label = "") =>
        bodies.Sum(body => body.Split('\n')
            .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));

    /// <summary>Mean of a histogram in milliseconds (sum / count), over every port.</summary>
    public static async Task<double> MeanMsAsync(IEnumerable<int> httpPorts, string histogram, string label = "")
    {
        var bodies = await BodiesAsync(httpPorts);
        var count = Sum(bodies, histogram + "_count", label);
        return count == 0 ? double.NaN : Sum(bodies, histogram + "_sum", label) / count * 1000;
    }
}
