using AgentJobSync.Grains;
using AgentJobSync.TestHarness;
using Microsoft.Playwright;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>
/// The database, the 3-silo cluster with known jobs, and headless Chromium, shared by the browser tests:
/// user A with three jobs (one driven Pending → Executing → Complete), user B with two, and an orphan job whose owner
/// has no user document (UserNotFound).
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private MongoWire? _mongo;
    private DashboardCluster? _cluster;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public DashboardCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public IMongoCollection<BsonDocument> Users => (_mongo ?? throw new InvalidOperationException("not started"))
        .Client.GetDatabase("ainuUsers").GetCollection<BsonDocument>("users");

    public string UserA { get; private set; } = "";

    public IReadOnlyList<string> JobsOfA { get; private set; } = [];

    /// <summary>User A's job that went Pending → Executing → Complete.</summary>
    public string CompletedJob => JobsOfA[0];

    public string UserB { get; private set; } = "";

    public IReadOnlyList<string> JobsOfB { get; private set; } = [];

    public string OrphanJob { get; private set; } = "";

    /// <summary>Where screenshots go (git-ignored).</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dashboard.Tests.csproj")))
            {
                dir = dir.Parent;
            }

            var path = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _mongo = await MongoWire.StartAsync(timeout.Token);
        _cluster = await DashboardCluster.StartAsync(_mongo.Url, timeout.Token);
        await SeedAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumLocator.Locate(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_mongo is not null)
        {
            await _mongo.DisposeAsync();
        }
    }

    /// <summary>
    /// A page of a new browser context that asked for <paramref name="path"/> on silo <paramref name="silo"/>, was sent to
    /// the login form, logged in, and is back on <paramref name="path"/>.
    /// </summary>
    public async Task<IPage> LoggedInPageAsync(int silo = 0, string path = "/dashboard/sync")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Cluster.HttpAddresses[silo].ToString(),
            ViewportSize = new ViewportSize { Width = 1360, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dashboard/login"));
        await page.FillAsync("#token", Cluster.Token);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(Cluster.HttpAddresses[silo], path).ToString());
        return page;
    }

    private async Task SeedAsync()
    {
        var grains = Cluster.Grains;
        UserA = await JobSamples.CreateUserAsync(Users);
        UserB = await JobSamples.CreateUserAsync(Users);
        JobsOfA = [JobSamples.NewUid(), JobSamples.NewUid(), JobSamples.NewUid()];
        JobsOfB = [JobSamples.NewUid(), JobSamples.NewUid()];
        OrphanJob = JobSamples.NewUid();
        await Synced(JobSamples.DriveAsync(grains, JobsOfA[0], UserA, "inactive", "executing", "completed"));
        await Synced(JobSamples.DriveAsync(grains, JobsOfA[1], UserA, "inactive"));
        await Synced(JobSamples.DriveAsync(grains, JobsOfA[2], UserA, "executing"));
        await Synced(JobSamples.DriveAsync(grains, JobsOfB[0], UserB, "completed"));
        await Synced(JobSamples.DriveAsync(grains, JobsOfB[1], UserB, "inactive"));
        var orphan = await JobSamples.DriveAsync(grains, OrphanJob, Guid.NewGuid().ToString(), "inactive");
        if (orphan.Reason != SyncReason.UserNotFound)
        {
            throw new InvalidOperationException($"the orphan job should end UserNotFound, ended {orphan.Reason}");
        }
    }

    private static async Task Synced(Task<SyncOutcome> drive)
    {
        var outcome = await drive;
        if (outcome.Reason != SyncReason.Synced)
        {
            throw new InvalidOperationException($"seeding: expected Synced, got {outcome.Reason} ({outcome.Message})");
        }
    }
}
