using System.Collections.Concurrent;

namespace AgentJobSync.WatchHost.Model;

/// <summary>
/// One instance of each value of the few-valued fields every cached job repeats (namespace, state, agent): the watch
/// host keeps every AgentJob it watches, and parsing gives each job its own copy of the same text (measured with
/// <c>dotnet-gcdump</c>: strings were 217 of the 588 bytes the watch host held per job). Bounded, so that arbitrary
/// values in bad input cannot grow it: once <see cref="Capacity"/> values are held, new ones are returned as they are.
/// </summary>
internal static class SharedStrings
{
    /// <summary>The most distinct values kept.</summary>
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<string, string> Values = new(StringComparer.Ordinal);

    /// <summary>The instance already held for <paramref name="value"/>'s text, or <paramref name="value"/> itself.</summary>
    public static string? Of(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Values.TryGetValue(value, out var shared))
        {
            return shared;
        }

        return Values.Count < Capacity ? Values.GetOrAdd(value, value) : value;
    }
}
