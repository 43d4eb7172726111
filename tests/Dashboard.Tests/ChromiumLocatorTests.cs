namespace AgentJobSync.Dashboard.Tests;

/// <summary>Which browser the sync view's test launches: the variable, then Debian's, then Playwright's own.</summary>
public sealed class ChromiumLocatorTests : IDisposable
{
    private readonly string browsers = Path.Combine(Path.GetTempPath(), $"agentjob-playwright-{Guid.NewGuid():N}");

    [Fact]
    public void The_variable_wins_over_Debian_s_chromium() =>
        Assert.Equal("/opt/chrome/chrome", ChromiumLocator.Locate("/opt/chrome/chrome", _ => true, browsers));

    [Fact]
    public void A_variable_naming_a_missing_file_is_an_error_naming_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ChromiumLocator.Locate("/nope/chrome", _ => false, browsers));
        Assert.Contains(ChromiumLocator.Variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_variable_Debian_s_chromium_is_used() =>
        Assert.Equal(ChromiumLocator.DebianPath, ChromiumLocator.Locate(null, p => p == ChromiumLocator.DebianPath, browsers));

    [Fact]
    public void Without_either_Playwright_s_own_chromium_is_used()
    {
        Directory.CreateDirectory(Path.Combine(browsers, "chromium-1200"));
        Assert.Null(ChromiumLocator.Locate("", _ => false, browsers));
    }

    [Fact]
    public void With_none_the_error_names_the_three_ways_to_get_one()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ChromiumLocator.Locate(null, _ => false, browsers));
        Assert.Contains(ChromiumLocator.Variable, error.Message, StringComparison.Ordinal);
        Assert.Contains("chromium (make deps)", error.Message, StringComparison.Ordinal);
        Assert.Contains("playwright.ps1 install chromium", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(browsers))
        {
            Directory.Delete(browsers, recursive: true);
        }
    }
}
