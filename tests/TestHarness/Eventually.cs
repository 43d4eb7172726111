namespace AgentJobSync.TestHarness;

/// <summary>Polling with a deadline: the way tests wait for something that happens asynchronously.</summary>
public static class Eventually
{
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Evaluates <paramref name="condition"/> until it returns true; exceptions count as false (the last one is kept
    /// as the inner exception). Throws <see cref="TimeoutException"/> naming <paramref name="description"/> at the deadline.
    /// </summary>
    public static async Task UntilAsync(
        Func<CancellationToken, Task<bool>> condition,
        TimeSpan timeout,
        string description,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var delay = TimeSpan.FromMilliseconds(10);
        Exception? last = null;
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                if (await condition(deadline.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // the deadline cut the attempt short
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"{description}: not true within {timeout} ({attempts} attempts){(last is null ? "" : $"; last error: {last.Message}")}",
                    last);
            }

            try
            {
                await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // one last attempt at the deadline
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    /// <summary>The same for a synchronous condition.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(_ => Task.FromResult(condition()), timeout, description, cancellationToken);
    }
}
