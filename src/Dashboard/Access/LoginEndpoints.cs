using AgentJobSync.Dashboard.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentJobSync.Dashboard.Access;

/// <summary>
/// The small login page that turns the token into a session cookie so a browser can use the dashboard, and the logout
/// that ends the session on the server. The token travels in a form post, never in a URL (URLs end up in histories and
/// access logs).
/// </summary>
internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder root, DashboardToken token, DashboardSessions sessions, DashboardAssets assets)
    {
        root.MapGet("/login", (HttpContext http) => assets.Serve("login.html", http)).ExcludeFromDescription();
        root.MapPost("/login", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var returnUrl = SafeReturnUrl(form["returnUrl"].ToString());
            if (!token.Matches(form["token"].ToString()))
            {
                return Results.Redirect(DashboardPaths.Login + "?failed=1&returnUrl=" + Uri.EscapeDataString(returnUrl));
            }

            var (cookie, expires) = await sessions.StartAsync().ConfigureAwait(false);
            http.Response.Cookies.Append(DashboardAccessFilter.CookieName, cookie, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = DashboardPaths.Root,
                MaxAge = sessions.Lifetime,
                Expires = expires,
            });
            return Results.Redirect(returnUrl);
        }).DisableAntiforgery();
        root.MapPost("/logout", async (HttpContext http) =>
        {
            await sessions.EndAsync(http.Request.Cookies[DashboardAccessFilter.CookieName]).ConfigureAwait(false);
            http.Response.Cookies.Delete(DashboardAccessFilter.CookieName, new CookieOptions { Path = DashboardPaths.Root });
            return Results.Redirect(DashboardPaths.Login);
        }).DisableAntiforgery();
    }

    // Only somewhere under /dashboard: the login page must not become an open redirect.
    private static string SafeReturnUrl(string candidate) =>
        candidate.StartsWith(DashboardPaths.Root + "/", StringComparison.Ordinal) && !candidate.Contains("//", StringComparison.Ordinal) && !candidate.Contains('\\', StringComparison.Ordinal)
            ? candidate
            : DashboardPaths.Root + "/";
}
