using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentJobSync.TestHarness;

/// <summary>
/// Polls the user documents while jobs run and remembers when each (job, status) pair was first seen, so the lag from a
/// status change to its persisted entry can be reported (within one poll interval) and convergence timed.
/// </summary>
public sealed class ConvergenceProbe(UserDocuments users, TimeSpan interval) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Uid, string Status), DateTimeOffset> firstSeen = new();
    private readonly CancellationTokenSource stop = new();
    private Task? polling;

    /// <summary>Starts polling.</summary>
    public void Start() => polling = Task.Run(() => PollAsync(stop.Token));

    /// <summary>When <paramref name="status"/> was first seen on the entry of <paramref name="uid"/>.</summary>
    public DateTimeOffset? FirstSeen(string uid, string status) => firstSeen.TryGetValue((uid, status), out var t) ? t : null;

    /// <summary>The lag of each job's last change (median, worst), from jobs that changed and whose entry was seen with it.</summary>
    public (TimeSpan Median, TimeSpan Worst, int Count) Lag(IEnumerable<OperatorJob> jobs)
    {
        var lags = jobs
            .Where(j => j.ChangedAt is not null && FirstSeen(j.Uid, j.ExpectedStatus) is not null)
            .Select(j => FirstSeen(j.Uid, j.ExpectedStatus)!.Value - j.ChangedAt!.Value)
            .Select(l => l < TimeSpan.Zero ? TimeSpan.Zero : l)
            .Order()
            .ToList();
        return lags.Count == 0 ? (TimeSpan.Zero, TimeSpan.Zero, 0) : (lags[lags.Count / 2], lags[^1], lags.Count);
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var entries = await users.EntriesAsync(cancellationToken).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow;
                foreach (var (uid, (_, entry)) in entries)
                {
                    if (UserDocuments.Status(entry) is { } status)
                    {
                        firstSeen.TryAdd((uid, status), now);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A probe read failing (database blackout in a test) is simply a missed sample.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            var left = interval - Stopwatch.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (polling is not null)
        {
            await polling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stop.Dispose();
    }
}
