namespace AgentJobSync.Dashboard.Sessions;

/// <summary>
/// Holds one session's expiry in memory, and stays active until then. Nothing is persisted: if the silo holding it
/// stops, the session is gone and the user logs in again, which errs on the safe side.
/// </summary>
internal sealed class DashboardSessionGrain(TimeProvider time) : Grain, IDashboardSessionGrain
{
    private DateTimeOffset? _expires;

    public Task OpenAsync(DateTimeOffset expires)
    {
        _expires = expires;
        var remaining = expires - time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            // An idle activation would otherwise be collected (and the session forgotten) long before it expires.
            DelayDeactivation(remaining);
        }

        return Task.CompletedTask;
    }

    public Task<bool> IsOpenAsync() => Task.FromResult(_expires is { } expires && expires > time.GetUtcNow());

    public Task EndAsync()
    {
        _expires = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
