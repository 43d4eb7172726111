using System.Globalization;

namespace AgentJobSync.Bench;

/// <summary>Sums of Prometheus samples from a process's <c>/metrics</c>, to say where the time goes.</summary>
internal static class Scrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>, over every port.</summary>
    public static async Task<double> SumAsync(IEnumerable<int> httpPorts, string name, string label = "")
    {
        double sum = 0;
        foreach (var port in httpPorts)
        {
            var body = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"));
            sum += body.Split('\n')
                .Where(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)) && l.Contains(label, StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }

        return sum;
    }

    /// <summary>Mean of a histogram in milliseconds (sum / count), over every port.</summary>
    public static async Task<double> MeanMsAsync(IEnumerable<int> httpPorts, string histogram, string label = "")
    {
        var ports = httpPorts.ToList();
        var count = await SumAsync(ports, histogram + "_count", label);
        return count == 0 ? double.NaN : await SumAsync(ports, histogram + "_sum", label) / count * 1000;
    }
}
