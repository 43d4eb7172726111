using System.Text.RegularExpressions;
using AgentJobSync.Grains;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>The dashboard in headless Chromium against the 3-silo cluster: what an operator sees and does.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class SyncViewBrowserTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Orleans_dashboard_shows_three_silos_and_the_AgentJob_grain_with_its_activations()
    {
        await fixture.Cluster.Grains.GetGrain<IAgentJobGrain>(fixture.CompletedJob).InspectAsync(); // active now
        var page = await fixture.LoggedInPageAsync(silo: 1);

        await page.GotoAsync("/dashboard/orleans/");
        await Expect(page.Locator(".info-box:has-text('Active Silos') .info-box-number")).ToHaveTextAsync("3");
        await Expect(page.Locator(".info-box:has-text('Total Activations') .info-box-number")).ToHaveTextAsync(PositiveNumber());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("orleans-dashboard.png"), FullPage = true });

        await page.GotoAsync("/dashboard/orleans/#/grains");
        var row = page.Locator("tr:has(a[href*='AgentJobGrain'])").First;
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync(PositiveNumber());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("orleans-grains.png"), FullPage = true });
    }

    [Fact]
    public async Task Sync_view_finds_a_job_by_uid_and_shows_its_state_silo_and_timeline()
    {
        var inspection = await fixture.Cluster.Grains.GetGrain<IAgentJobGrain>(fixture.CompletedJob).InspectAsync();
        var page = await fixture.LoggedInPageAsync();

        await page.SelectOptionAsync("#mode", "uid");
        await page.FillAsync("#q", fixture.CompletedJob);
        await page.ClickAsync("#search button[type=submit]");

        await Expect(page.Locator("#detail-uid")).ToHaveTextAsync(fixture.CompletedJob);
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Complete");
        await Expect(page.Locator("#detail-observed")).ToHaveTextAsync("completed");
        await Expect(page.Locator("#detail-revision")).ToHaveTextAsync(inspection.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#detail-silo")).ToHaveTextAsync(inspection.Silo ?? "(no silo)");
        await Expect(page.Locator("#detail-sync")).ToHaveTextAsync("in sync");
        var timeline = page.Locator("#timeline tbody tr");
        await Expect(timeline).ToHaveCountAsync(3);
        await Expect(timeline.Nth(0).Locator("td").Nth(0)).ToHaveTextAsync("Pending");
        await Expect(timeline.Nth(1).Locator("td").Nth(0)).ToHaveTextAsync("Executing");
        await Expect(timeline.Nth(2).Locator("td").Nth(0)).ToHaveTextAsync("Complete");
        await Expect(timeline.Nth(2).Locator("td").Nth(2)).ToHaveTextAsync(new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$"));
        await Expect(timeline.Nth(2).Locator("td").Nth(4)).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)? ms$"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("job.png"), FullPage = true });
    }

    [Fact]
    public async Task Searching_by_user_finds_exactly_that_users_jobs()
    {
        var page = await fixture.LoggedInPageAsync(silo: 2);

        await page.SelectOptionAsync("#mode", "owner");
        await page.FillAsync("#q", fixture.UserA);
        await page.ClickAsync("#search button[type=submit]");

        var rows = page.Locator("#results tbody tr");
        await Expect(rows).ToHaveCountAsync(fixture.JobsOfA.Count);
        var shown = new List<string>();
        for (var i = 0; i < fixture.JobsOfA.Count; i++)
        {
            shown.Add(await rows.Nth(i).GetAttributeAsync("data-uid") ?? "");
        }

        Assert.Equal(JobSamples.Sorted(fixture.JobsOfA), JobSamples.Sorted(shown));
        Assert.DoesNotContain(fixture.JobsOfB[0], shown);
        // The figures come from the silos' own meters (the directory's reads behind this very page are database commands),
        // one row per silo, collected by the silo serving the page.
        await Expect(page.Locator("#fig-db")).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)? ms / \d+(\.\d+)? ms$"));
        var siloRows = page.Locator("#silo-figures tbody tr td:first-child");
        await Expect(siloRows).ToHaveTextAsync([.. fixture.Cluster.SiloAddresses.Order(StringComparer.Ordinal)]);
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("^live"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("overview.png"), FullPage = true });
    }

    [Fact]
    public async Task Searching_by_namespace_and_name_finds_the_job()
    {
        var page = await fixture.LoggedInPageAsync();

        await page.SelectOptionAsync("#mode", "name");
        await page.FillAsync("#ns", JobSamples.Namespace);
        await page.FillAsync("#name", JobSamples.NameOf(fixture.JobsOfB[1]));
        await page.ClickAsync("#search button[type=submit]");

        var rows = page.Locator("#results tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-uid", fixture.JobsOfB[1]);
        await Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync("Pending");
    }

    [Fact]
    public async Task A_link_to_a_job_survives_the_login_and_opens_the_job()
    {
        var page = await fixture.LoggedInPageAsync(path: "/dashboard/sync#uid=" + fixture.JobsOfA[2]);

        await Expect(page.Locator("#detail-uid")).ToHaveTextAsync(fixture.JobsOfA[2]);
        await Expect(page.Locator("#detail-state")).ToHaveTextAsync("Executing");
        await Expect(page.Locator("#q")).ToHaveValueAsync(fixture.JobsOfA[2]);
    }

    [Fact]
    public async Task A_job_added_while_the_page_is_open_appears_without_a_reload()
    {
        var owner = await JobSamples.CreateUserAsync(fixture.Users);
        var first = JobSamples.NewUid();
        await JobSamples.DriveAsync(fixture.Cluster.Grains, first, owner, "inactive");
        var page = await fixture.LoggedInPageAsync();
        await page.SelectOptionAsync("#mode", "owner");
        await page.FillAsync("#q", owner);
        await page.ClickAsync("#search button[type=submit]");
        await Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(1);
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        var added = JobSamples.NewUid();
        var outcome = await JobSamples.DriveAsync(fixture.Cluster.Grains, added, owner, "executing");
        Assert.Equal(SyncReason.Synced, outcome.Reason);

        await Expect(page.Locator($"#results tbody tr[data-uid='{added}']")).ToBeVisibleAsync();
        await Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(2);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Not_in_sync_list_shows_the_orphan_job_with_its_reason()
    {
        var page = await fixture.LoggedInPageAsync();

        var orphan = page.Locator($"#unsynced tbody tr[data-uid='{fixture.OrphanJob}']");
        await Expect(orphan).ToBeVisibleAsync();
        await Expect(orphan.Locator("td").Nth(3)).ToHaveTextAsync(nameof(SyncReason.UserNotFound));
        await Expect(page.Locator($"#unsynced tbody tr[data-uid='{fixture.CompletedJob}']")).ToHaveCountAsync(0);

        await orphan.ClickAsync();
        await Expect(page.Locator("#detail-sync")).ToHaveTextAsync("not in sync");
        await Expect(page.Locator("#detail-reason")).ToHaveTextAsync(nameof(SyncReason.UserNotFound));
        await page.Locator("#unsynced-panel").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifact("unsynced.png"), FullPage = true });
    }

    [Fact]
    public async Task A_wrong_token_does_not_log_in()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Cluster.HttpAddresses[0].ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard/login");
        await page.FillAsync("#token", fixture.Cluster.Token + "x");
        await page.ClickAsync("button[type=submit]");

        await Expect(page.Locator("#failed")).ToBeVisibleAsync();
        var api = await page.APIRequest.GetAsync("/dashboard/api/jobs");
        Assert.Equal(401, api.Status);
        await context.CloseAsync();
    }

    [Fact]
    public async Task After_logout_the_old_session_cookie_is_refused_on_every_silo()
    {
        var page = await fixture.LoggedInPageAsync(silo: 1);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "agentjob_dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "the cookie has no expiry: " + cookie.Expires);

        await page.ClickAsync("text=Log out");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));

        // The browser dropped the cookie; a copy kept elsewhere must not work either, on this silo or another.
        for (var silo = 0; silo < DashboardCluster.SiloCount; silo++)
        {
            using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = fixture.Cluster.HttpAddresses[silo] };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/api/jobs");
            request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static string Artifact(string name) => Path.Combine(DashboardFixture.ArtifactsDirectory, name);

    [GeneratedRegex(@"^\s*[1-9]\d*\s*$")]
    private static partial Regex PositiveNumber();
}
