using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentJobSync.Dashboard.Access;
using AgentJobSync.Dashboard.Sessions;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>Everything under /dashboard except the login page and static assets needs the token; the silo's own endpoints do not.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiAccessTests(DashboardFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = fixture.Cluster.HttpAddresses[0],
    };

    [Theory]
    [InlineData("/dashboard/api/jobs")]
    [InlineData("/dashboard/api/figures")]
    [InlineData("/dashboard/orleans/DashboardCounters")]
    public async Task Without_the_token_the_api_answers_401(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task A_wrong_token_or_cookie_answers_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Cluster.Token + "x");
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs");
        withCookie.Headers.Add("Cookie", "agentjob_dashboard=" + fixture.Cluster.Token);
        using var cookieResponse = await _http.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, cookieResponse.StatusCode);
    }

    [Fact]
    public async Task A_browser_without_the_cookie_is_sent_to_the_login_page()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/sync");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/dashboard/login?returnUrl=", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_bearer_token_the_api_answers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs?uid=" + fixture.OrphanJob);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Cluster.Token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var job = Assert.Single(body.RootElement.GetProperty("jobs").EnumerateArray());
        Assert.Equal(fixture.OrphanJob, job.GetProperty("uid").GetString());
        Assert.Equal("UserNotFound", job.GetProperty("lastReason").GetString());
        Assert.False(job.GetProperty("isInSync").GetBoolean());

        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs/" + Guid.NewGuid());
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Cluster.Token);
        using var unknownResponse = await _http.SendAsync(unknown);
        Assert.Equal(HttpStatusCode.NotFound, unknownResponse.StatusCode);
    }

    [Fact]
    public async Task Figures_cover_every_silo()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/figures");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Cluster.Token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var silos = body.RootElement.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("silo").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(fixture.Cluster.SiloAddresses.Order(StringComparer.Ordinal), silos);
        Assert.Empty(body.RootElement.GetProperty("unreachable").EnumerateArray());
        Assert.Equal("cluster", body.RootElement.GetProperty("cluster").GetProperty("silo").GetString());
    }

    [Fact]
    public async Task The_login_page_and_static_assets_need_no_token()
    {
        using var response = await _http.GetAsync(new Uri("/dashboard/login", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var asset = await _http.GetAsync(new Uri("/dashboard/assets/sync.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
    }

    [Fact]
    public async Task A_login_session_works_on_every_silo_until_it_expires_or_is_logged_out()
    {
        using var login = new FormUrlEncodedContent([new("token", fixture.Cluster.Token), new("returnUrl", "/dashboard/sync")]);
        using var loggedIn = await _http.PostAsync(new Uri("/dashboard/login", UriKind.Relative), login);
        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);
        var setCookie = Assert.Single(loggedIn.Headers.GetValues("Set-Cookie"));
        foreach (var attribute in new[] { "max-age=43200", "expires=", "path=/dashboard", "samesite=strict", "httponly" })
        {
            Assert.Contains(attribute, setCookie, StringComparison.OrdinalIgnoreCase);
        }

        var cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        var value = cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..];
        Assert.Equal(HttpStatusCode.OK, await WithCookieAsync(fixture.Cluster.HttpAddresses[2], value));

        // The same session, its expiry in the past, signed as the silos sign: refused.
        var sessions = new SessionCookie(fixture.Cluster.Token);
        var id = sessions.Read(value, DateTimeOffset.UtcNow) ?? throw new InvalidOperationException("the login cookie names no session");
        Assert.Equal(HttpStatusCode.Unauthorized, await WithCookieAsync(fixture.Cluster.HttpAddresses[0], sessions.Write(id, DateTimeOffset.UtcNow.AddSeconds(-1))));

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/dashboard/logout");
        logout.Headers.Add("Cookie", cookie);
        using var loggedOut = await _http.SendAsync(logout);
        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        foreach (var silo in fixture.Cluster.HttpAddresses)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await WithCookieAsync(silo, value));
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<HttpStatusCode> WithCookieAsync(Uri silo, string value)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = silo };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs");
        request.Headers.Add("Cookie", DashboardAccessFilter.CookieName + "=" + value);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
