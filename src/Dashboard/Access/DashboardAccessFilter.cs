using AgentJobSync.Dashboard.Sessions;
using Microsoft.AspNetCore.Http;

namespace AgentJobSync.Dashboard.Access;

/// <summary>
/// Lets a request through only with <c>Authorization: Bearer &lt;token&gt;</c> or the cookie of an open session. Without either, a
/// browser asking for a page is sent to the login page; anything else (the JSON API, the Orleans dashboard's calls)
/// gets 401. An endpoint filter rather than ASP.NET Core authentication, so the silo's other endpoints
/// (<c>/healthz</c>, <c>/metrics</c>) and its middleware stay exactly as they were.
/// </summary>
public sealed class DashboardAccessFilter(DashboardToken token, DashboardSessions sessions) : IEndpointFilter
{
    /// <summary>The cookie a login sets, scoped to <see cref="DashboardPaths.Root"/>.</summary>
    public const string CookieName = "agentjob_dashboard";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (await IsAuthorizedAsync(http.Request).ConfigureAwait(false))
        {
            return await next(context).ConfigureAwait(false);
        }

        if (WantsPage(http.Request))
        {
            var back = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
            return Results.Redirect(DashboardPaths.Login + "?returnUrl=" + Uri.EscapeDataString(back));
        }

        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"agentjob-sync dashboard\"";
        return Results.Json(new { error = "the dashboard needs its token: Authorization: Bearer <DASHBOARD_TOKEN>, or log in at " + DashboardPaths.Login }, statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>Whether the request carries the token or the cookie of an open session.</summary>
    public async Task<bool> IsAuthorizedAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && token.Matches(header[scheme.Length..].Trim()))
        {
            return true;
        }

        return await sessions.IsOpenAsync(request.Cookies[CookieName]).ConfigureAwait(false);
    }

    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments(DashboardPaths.Api, StringComparison.Ordinal)
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
