using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace AgentJobSync.Bench;

/// <summary>
/// The top frames of a <c>dotnet-trace</c> thread-time trace counting only the samples taken while a thread ran managed
/// code: the sample profiler marks each sample managed or external (native code, which is where threads wait), so this
/// leaves out idle and blocked threads and approximates where the process's managed CPU went. Percentages are of those
/// samples; inclusive counts a frame once per sample however deep it recurs.
/// </summary>
internal static class TraceSummary
{
    private const int ManagedSample = 2; // ThreadSampleType: 0 error, 1 external, 2 managed

    public static string TopManagedFrames(string nettrace, int count)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(nettrace));
        var inclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var exclusive = new Dictionary<string, int>(StringComparer.Ordinal);
        var samples = 0;
        var all = 0;
        foreach (var e in log.Events)
        {
            if (e.ProviderName != "Microsoft-DotNETCore-SampleProfiler" || e.EventName != "Thread/Sample")
            {
                continue;
            }

            all++;
            if (Convert.ToInt32(e.PayloadByName("Type"), CultureInfo.InvariantCulture) != ManagedSample || e.CallStack() is not { } stack)
            {
                continue;
            }

            samples++;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var frame = stack; frame is not null; frame = frame.Caller)
            {
                var name = Name(frame.CodeAddress);
                if (frame == stack)
                {
                    exclusive[name] = exclusive.GetValueOrDefault(name) + 1;
                }

                if (seen.Add(name))
                {
                    inclusive[name] = inclusive.GetValueOrDefault(name) + 1;
                }
            }
        }

        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{samples} managed-code samples of {all} thread samples\n  incl%   excl%  frame\n"));
        foreach (var (name, hits) in inclusive.OrderByDescending(f => f.Value).Take(count))
        {
            text.Append(string.Create(CultureInfo.InvariantCulture, $"  {100.0 * hits / samples,5:F1}  {100.0 * exclusive.GetValueOrDefault(name) / samples,5:F1}  {name}\n"));
        }

        text.Append("  top exclusive:\n");
        foreach (var (name, hits) in exclusive.OrderByDescending(f => f.Value).Take(count / 2))
        {
            text.Append(string.Create(CultureInfo.InvariantCulture, $"  {100.0 * inclusive[name] / samples,5:F1}  {100.0 * hits / samples,5:F1}  {name}\n"));
        }

        return text.ToString();
    }

    private static string Name(TraceCodeAddress address)
    {
        var method = address.FullMethodName;
        return string.IsNullOrEmpty(method) ? $"{address.ModuleName}!?" : $"{address.ModuleName}!{(method.Length > 140 ? method[..140] : method)}";
    }
}
