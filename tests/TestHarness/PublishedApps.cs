namespace AgentJobSync.TestHarness;

/// <summary>Where `make publish` put the silo and watch host (the same output the image ships).</summary>
public sealed record PublishedApps(string SiloDll, string WatchHostDll)
{
    public static PublishedApps Locate()
    {
        var root = Environment.GetEnvironmentVariable("AGENTJOB_PUBLISH_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(TestAssets.RepoRoot, ".build", "publish");
        var apps = new PublishedApps(Path.Combine(root, "AgentJobSync.Silo.dll"), Path.Combine(root, "AgentJobSync.WatchHost.dll"));
        foreach (var file in new[] { apps.SiloDll, apps.WatchHostDll })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{file} is missing: run `make publish` (or set AGENTJOB_PUBLISH_DIR)", file);
            }
        }

        return apps;
    }
}
