namespace AgentJobSync.Chaos;

/// <summary>
/// Faults on a seeded schedule: rounds of every <see cref="FaultKind"/> in a seeded order (silo kills twice per round),
/// one started every 1–3 s. Each runs on its own and overlaps with faults of other parts; when a fault's part is busy,
/// the next one of the round whose part is free goes first. Nothing waits on a time read from another process: each fault's steps follow each other by awaits.
/// Once time is up no fault starts, and the ones under way are carried through (restarts included).
/// </summary>
internal sealed class FaultScheduler(FaultActions actions, RunResult result, Random random, int silos, Action<string> log)
{
    private static readonly FaultKind[] Round = [.. Enum.GetValues<FaultKind>(), FaultKind.SiloKill];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var parts = Enum.GetValues<FaultKind>().Select(FaultKinds.Part).Distinct()
            .ToDictionary(p => p, p => new SemaphoreSlim(FaultKinds.Capacity(p, silos)), StringComparer.Ordinal);
        var running = new List<Task>();
        try
        {
            var pending = new List<FaultKind>();
            while (!cancellationToken.IsCancellationRequested)
            {
                if (pending.Count == 0)
                {
                    pending.AddRange(Round.OrderBy(_ => random.Next()));
                }

                await Task.Delay(random.Next(1000, 3000), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

                // The next fault in the round whose part is free; when every part left in the round is busy, the first
                // fault to finish frees one (a part never starts more faults than its capacity).
                var index = pending.FindIndex(k => parts[FaultKinds.Part(k)].CurrentCount > 0);
                if (index < 0)
                {
                    await Task.WhenAny(running.Where(t => !t.IsCompleted).Append(Task.Delay(Timeout.Infinite, cancellationToken)));
                    continue;
                }

                var kind = pending[index];
                pending.RemoveAt(index);
                var part = parts[FaultKinds.Part(kind)];
                await part.WaitAsync(CancellationToken.None);

                // Each fault gets its own seeded stream, so its choices do not depend on how the others interleave.
                var own = new Random(random.Next());
                running.Add(Task.Run(() => InjectAsync(kind, own, part), CancellationToken.None));
                running.RemoveAll(t => t.IsCompleted);
            }
        }
        finally
        {
            await Task.WhenAll(running);
            foreach (var part in parts.Values)
            {
                part.Dispose();
            }
        }
    }

    private async Task InjectAsync(FaultKind kind, Random own, SemaphoreSlim part)
    {
        var name = FaultKinds.Name(kind);
        try
        {
            var what = await actions.RunAsync(kind, own);
            if (what is not null)
            {
                result.Count(name);
                log($"fault {name}: {what}");
            }
        }
#pragma warning disable CA1031 // A fault that could not be carried out is logged and not counted; the run goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log($"fault {name} could not be carried out: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            part.Release();
        }
    }
}
