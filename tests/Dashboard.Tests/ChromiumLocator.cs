namespace AgentJobSync.Dashboard.Tests;

/// <summary>
/// The browser the sync view's test drives: <c>AGENTJOB_CHROMIUM</c> (a Chromium or Chrome executable), else Debian's
/// <c>/usr/bin/chromium</c> (what <c>make deps</c> installs), else the Chromium Playwright installed itself
/// (<c>pwsh tests/Dashboard.Tests/bin/Debug/net10.0/playwright.ps1 install chromium</c>), found under
/// <c>PLAYWRIGHT_BROWSERS_PATH</c> or <c>~/.cache/ms-playwright</c>.
/// </summary>
public static class ChromiumLocator
{
    /// <summary>The variable naming a browser executable.</summary>
    public const string Variable = "AGENTJOB_CHROMIUM";

    /// <summary>Debian's package.</summary>
    public const string DebianPath = "/usr/bin/chromium";

    /// <summary>The executable to launch, or null for Playwright's own install.</summary>
    public static string? Locate() => Locate(
        Environment.GetEnvironmentVariable(Variable),
        File.Exists,
        Environment.GetEnvironmentVariable("PLAYWRIGHT_BROWSERS_PATH") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ms-playwright"));

    /// <summary>
    /// The choice for a given variable value, file test and Playwright browser folder: the variable (which must name an
    /// existing file), else Debian's path, else null when Playwright's folder holds a Chromium; otherwise one error
    /// saying the three ways to get one.
    /// </summary>
    public static string? Locate(string? configured, Func<string, bool> exists, string playwrightBrowsers)
    {
        ArgumentNullException.ThrowIfNull(exists);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return exists(configured)
                ? configured
                : throw new InvalidOperationException($"{Variable}={configured}: no such file");
        }

        if (exists(DebianPath))
        {
            return DebianPath;
        }

        if (Directory.Exists(playwrightBrowsers) && Directory.EnumerateDirectories(playwrightBrowsers, "chromium*").Any())
        {
            return null;
        }

        throw new InvalidOperationException(
            $"no Chromium: set {Variable} to a Chromium/Chrome executable, install Debian's chromium (make deps), or let " +
            "Playwright install its own (pwsh tests/Dashboard.Tests/bin/Debug/net10.0/playwright.ps1 install chromium)");
    }
}
