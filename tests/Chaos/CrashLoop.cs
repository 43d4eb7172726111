namespace AgentJobSync.Chaos;

/// <summary>
/// The kubelet's restart policy for a process that dies while starting (the API server or etcd away at that moment:
/// the silo cannot join, the watch host cannot read its lease): started again after a back-off of 1, 2, 4… s (at
/// most 10 s) until it is up or <see cref="Deadline"/> has passed. Each crash at start is counted.
/// </summary>
internal sealed class CrashLoop(Action<string> log)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private int crashes;

    /// <summary>Processes that exited while starting and were started again.</summary>
    public int Crashes => Volatile.Read(ref crashes);

    public async Task<T> StartAsync<T>(string what, Func<Task<T>> start)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await start();
            }
            catch (InvalidOperationException e) when (DateTimeOffset.UtcNow < deadline)
            {
                Interlocked.Increment(ref crashes);
                log($"{what} exited while starting; starting it again in {backoff.TotalSeconds:F0}s ({FirstLine(e.Message)})");
            }

            await Task.Delay(backoff);
            backoff = TimeSpan.FromSeconds(Math.Min(10, backoff.TotalSeconds * 2));
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
