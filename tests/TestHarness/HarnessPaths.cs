using System.Security.Cryptography;

namespace AgentJobSync.TestHarness;

/// <summary>Folders the harness owns under /tmp: PID records and one run folder per started component.</summary>
internal static class HarnessPaths
{
    public const string Root = "/tmp/agentjob-harness";
    public const string RunPrefix = "run-";

    public static string PidsDirectory => Path.Combine(Root, "pids");

    /// <summary>
    /// Creates <c>/tmp/agentjob-harness/run-&lt;pid&gt;-&lt;random&gt;/&lt;leaf&gt;</c>, traversable by every user
    /// (PostgreSQL runs as user postgres), and returns the run folder and the leaf folder.
    /// </summary>
    public static (string RunDirectory, string LeafDirectory) CreateRunDirectory(string leaf)
    {
        EnsureTraversable(Root);
        var run = Path.Combine(Root, $"{RunPrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        EnsureTraversable(run);
        var leafDirectory = Path.Combine(run, leaf);
        EnsureTraversable(leafDirectory);
        return (run, leafDirectory);
    }

    public static void EnsureTraversable(string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Deletes a folder and everything in it; a missing folder is fine.</summary>
    public static void DeleteDirectory(string directory)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (Exception e) when (attempt < 5 && e is IOException or UnauthorizedAccessException)
            {
                // A process that just exited may still be closing files in it.
                Thread.Sleep(100);
            }
        }
    }
}
