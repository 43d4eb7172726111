using System.Globalization;

namespace AgentJobSync.Chaos;

/// <summary>
/// What the run's actors did, one timestamped line each, in <c>actors.log</c> of the seed's folder: kept with the
/// processes' logs when a run fails, to line up a job's creation, writes and deletion with what the system did.
/// </summary>
internal sealed class ActivityJournal(string directory) : IDisposable
{
    private readonly StreamWriter writer = new(Path.Combine(directory, "actors.log"), append: false) { AutoFlush = true };
    private readonly Lock gate = new();

    public void Write(string line)
    {
        lock (gate)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}"));
        }
    }

    public void Dispose() => writer.Dispose();
}
