namespace AgentJobSync.Dashboard.Sessions;

/// <summary>
/// One dashboard login, keyed by its random session id: open until it expires or the user logs out. A grain, so a
/// login made on one silo is known to every silo behind the Service, and a logout ends it on all of them at once.
/// </summary>
public interface IDashboardSessionGrain : IGrainWithStringKey
{
    /// <summary>Opens the session until <paramref name="expires"/>.</summary>
    Task OpenAsync(DateTimeOffset expires);

    /// <summary>Whether the session is open: opened, not yet expired, not ended.</summary>
    Task<bool> IsOpenAsync();

    /// <summary>Ends the session (logout); it never opens again.</summary>
    Task EndAsync();
}
