namespace AgentJobSync.Dashboard;

/// <summary>Where each part of the dashboard lives on the silo's HTTP port; one place so pages, API and tests agree.</summary>
public static class DashboardPaths
{
    public const string Root = "/dashboard";
    public const string Login = Root + "/login";
    public const string Logout = Root + "/logout";
    public const string Sync = Root + "/sync";
    public const string Orleans = Root + "/orleans";
    public const string Api = Root + "/api";
}
