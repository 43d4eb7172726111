using System.Globalization;

namespace AgentJobSync.TestHarness;

/// <summary>A running watch host process: its lease identity, HTTP port (health, metrics) and the process itself.</summary>
public sealed record WatchHostProcess(string Identity, int HttpPort, ManagedProcess Process)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>GETs <paramref name="path"/> on the watch host: (status code, body).</summary>
    public async Task<(int Status, string Body)> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}{path}"), cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The sum of the Prometheus samples of <paramref name="name"/> whose labels contain <paramref name="label"/>, or 0.</summary>
    public async Task<double> MetricAsync(string name, string label = "", CancellationToken cancellationToken = default)
    {
        var (_, body) = await GetAsync("/metrics", cancellationToken).ConfigureAwait(false);
        return body.Split('\n')
            .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)) && l.Contains(label, StringComparison.Ordinal))
            .Select(SampleValue)
            .Sum();
    }

    // "name{labels} value [timestamp]" or "name value [timestamp]".
    private static double SampleValue(string line)
    {
        var rest = line.Contains('}', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ', StringComparison.Ordinal)..];
        return double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Whether the process wrote a line containing <paramref name="text"/> (among its recent lines).</summary>
    public bool Logged(string text) => Process.RecentLines.Any(l => l.Contains(text, StringComparison.Ordinal));
}
