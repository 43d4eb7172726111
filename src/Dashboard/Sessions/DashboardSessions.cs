namespace AgentJobSync.Dashboard.Sessions;

/// <summary>
/// Starts, checks and ends dashboard sessions: the cookie proves which session and until when, the session's grain
/// says whether it is still open (a logout on any silo closes it everywhere).
/// </summary>
public sealed class DashboardSessions(SessionCookie cookies, IGrainFactory grains, TimeProvider time, TimeSpan lifetime)
{
    /// <summary>How long a session lasts after login (<c>DASHBOARD_LOGIN_LIFETIME</c>).</summary>
    public TimeSpan Lifetime => lifetime;

    /// <summary>Opens a new session and returns its cookie value and expiry.</summary>
    public async Task<(string Cookie, DateTimeOffset Expires)> StartAsync()
    {
        var id = SessionCookie.NewSessionId();
        var expires = time.GetUtcNow() + lifetime;
        await grains.GetGrain<IDashboardSessionGrain>(id).OpenAsync(expires).ConfigureAwait(false);
        return (cookies.Write(id, expires), expires);
    }

    /// <summary>Whether <paramref name="cookie"/> belongs to an open session.</summary>
    public async Task<bool> IsOpenAsync(string? cookie)
    {
        var id = cookies.Read(cookie, time.GetUtcNow());
        return id is not null && await grains.GetGrain<IDashboardSessionGrain>(id).IsOpenAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the session of <paramref name="cookie"/>, if it is one.</summary>
    public async Task EndAsync(string? cookie)
    {
        var id = cookies.Read(cookie, time.GetUtcNow());
        if (id is not null)
        {
            await grains.GetGrain<IDashboardSessionGrain>(id).EndAsync().ConfigureAwait(false);
        }
    }
}
