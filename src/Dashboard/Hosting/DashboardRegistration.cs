using AgentJobSync.Dashboard.Access;
using AgentJobSync.Dashboard.Api;
using AgentJobSync.Dashboard.Figures;
using AgentJobSync.Dashboard.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace AgentJobSync.Dashboard.Hosting;

/// <summary>
/// The dashboard in two calls, one before and one after <c>Build()</c>, so a silo's <c>Program.cs</c> wires it in two
/// lines: the Orleans Dashboard at <see cref="DashboardPaths.Orleans"/>, the sync view at <see cref="DashboardPaths.Sync"/>,
/// its JSON API under <see cref="DashboardPaths.Api"/>, a small index at <see cref="DashboardPaths.Root"/>, all behind
/// <c>DASHBOARD_TOKEN</c>. Without the token nothing is registered or mapped.
/// </summary>
public static class DashboardRegistration
{
    /// <summary>Reads <c>DASHBOARD_TOKEN</c> and, when set, adds the Orleans Dashboard to the silo and the sync view's services.</summary>
    public static WebApplicationBuilder AddAgentJobDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = DashboardSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (settings.Token is null)
        {
            return builder;
        }

        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new DashboardToken(settings.Token));
        builder.Services.AddSingleton(new SessionCookie(settings.Token));
        builder.Services.AddSingleton(sp => new DashboardSessions(
            sp.GetRequiredService<SessionCookie>(), sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<TimeProvider>(), settings.SessionLifetime));
        builder.Services.AddSingleton<DashboardAccessFilter>();
        builder.Services.AddSingleton<DashboardAssets>();
        builder.Services.AddSingleton<SyncMetricsAggregator>();
        builder.Services.AddSingleton<SyncFiguresClient>();
        builder.Services.AddSingleton<ClusterFiguresReader>();
        builder.Services.AddGrainService<SyncFiguresService>();
        // Merges into the silo the host configures elsewhere: Orleans keeps one silo builder per service collection.
        builder.UseOrleans(silo => silo.AddDashboard());
        return builder;
    }

    /// <summary>Maps the dashboard's endpoints (or logs that it is disabled).</summary>
    public static WebApplication MapAgentJobDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardRegistration).FullName!);
        var settings = app.Services.GetRequiredService<DashboardSettings>();
        if (settings.Token is null)
        {
            logger.LogWarning("dashboard disabled: {Variable} is not set (nothing is served under {Root})", DashboardSettings.TokenVariable, DashboardPaths.Root);
            return app;
        }

        // Starts listening now, so the figures cover the time since start rather than since the first page view.
        var figures = app.Services.GetRequiredService<SyncMetricsAggregator>();
        var assets = app.Services.GetRequiredService<DashboardAssets>();
        var root = app.MapGroup(DashboardPaths.Root);
        LoginEndpoints.Map(root, app.Services.GetRequiredService<DashboardToken>(), app.Services.GetRequiredService<DashboardSessions>(), assets);
        root.MapGet("/assets/{name}", (string name, HttpContext http) => assets.Serve(name, http));

        var guarded = app.MapGroup(DashboardPaths.Root).AddEndpointFilter(app.Services.GetRequiredService<DashboardAccessFilter>());
        guarded.MapGet("/", (HttpContext http) => assets.Serve("index.html", http));
        guarded.MapGet("/sync", (HttpContext http) => assets.Serve("sync.html", http));
        guarded.MapOrleansDashboard(DashboardPaths.Orleans[DashboardPaths.Root.Length..]);
        SyncApiEndpoints.Map(guarded.MapGroup(DashboardPaths.Api[DashboardPaths.Root.Length..]));
        logger.LogInformation(
            "dashboard at {Root} (token required): sync view {Sync}, Orleans dashboard {Orleans}; figures of every silo, last {Window}",
            DashboardPaths.Root, DashboardPaths.Sync, DashboardPaths.Orleans, SyncMetricsAggregator.Window);
        GC.KeepAlive(figures);
        return app;
    }
}
