using System.Globalization;

namespace AgentJobSync.BadInput.Tests;

/// <summary>Scrapes Prometheus text from a process's <c>/metrics</c>.</summary>
internal static class Metrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/> on <paramref name="port"/>.</summary>
    public static async Task<double> SumAsync(int port, string name, string label)
    {
        var body = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"));
        return body.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
