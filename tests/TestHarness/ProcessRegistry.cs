using System.Globalization;
using System.Text.Json;

namespace AgentJobSync.TestHarness;

/// <summary>
/// PID files in <c>/tmp/agentjob-harness/pids/</c>, one JSON <see cref="ProcessRecord"/> per thing a test process
/// started. A test run that crashes never runs its teardown; <see cref="ReapOrphans"/>, called at every harness start,
/// cleans up after it: it kills the children of owners that are gone, runs their stop commands and deletes their folders.
/// </summary>
public static class ProcessRegistry
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
    private static readonly Lock ReapGate = new();
    private static readonly Lazy<ulong> CurrentStartTime = new(
        () => LinuxProcess.GetStartTime(Environment.ProcessId) ?? throw new InvalidOperationException("cannot read /proc/self/stat"));

    /// <summary>The folder holding the records.</summary>
    public static string Directory => HarnessPaths.PidsDirectory;

    /// <summary>A record owned by this process, without a child (add a stop command or a folder).</summary>
    public static ProcessRecord CreateRecord(string description) => new()
    {
        OwnerPid = Environment.ProcessId,
        OwnerStartTime = CurrentStartTime.Value,
        Description = description,
    };

    /// <summary>A record owned by this process for a running child.</summary>
    public static ProcessRecord CreateRecordForChild(int childPid, string description)
    {
        var record = CreateRecord(description);
        record.ChildPid = childPid;
        record.ChildStartTime = LinuxProcess.GetStartTime(childPid) ?? 0;
        record.ChildExecutable = LinuxProcess.GetExecutable(childPid);
        return record;
    }

    /// <summary>Writes a record (atomically) and returns its path, the handle for <see cref="Unregister"/>.</summary>
    public static string Register(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        HarnessPaths.EnsureTraversable(HarnessPaths.Root);
        System.IO.Directory.CreateDirectory(Directory);
        var name = string.Create(CultureInfo.InvariantCulture, $"{record.OwnerPid}-{record.ChildPid}-{Guid.NewGuid():N}.json");
        var path = Path.Combine(Directory, name);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record, JsonOptions));
        File.Move(temporary, path);
        return path;
    }

    /// <summary>Deletes a record; a missing one is fine.</summary>
    public static void Unregister(string recordPath)
    {
        try
        {
            File.Delete(recordPath);
        }
        catch (IOException)
        {
            // a concurrent reaper claimed it
        }
    }

    /// <summary>Reads a record; null if it is gone or unreadable.</summary>
    public static ProcessRecord? Read(string recordPath)
    {
        try
        {
            return JsonSerializer.Deserialize<ProcessRecord>(File.ReadAllText(recordPath), JsonOptions);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Cleans up after every owner that is gone (its PID missing or started at another time): kills each child
    /// that is still the same process (same PID, start time and executable), runs the stop commands, deletes the
    /// folders and the records. Also deletes run folders of owners that no longer run. Returns how many records it reaped.
    /// </summary>
    public static int ReapOrphans()
    {
        lock (ReapGate)
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                return 0;
            }

            var claimed = ClaimOrphanRecords();
            foreach (var (_, record) in claimed)
            {
                KillIfSameProcess(record);
            }

            foreach (var (_, record) in claimed)
            {
                if (record.StopCommand is { Count: > 0 } command)
                {
                    var file = command[0];
                    var arguments = command.Skip(1).ToList();
                    try
                    {
                        ScriptRunner.Run(file, arguments, TimeSpan.FromSeconds(90));
                    }
                    catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
                    {
                        // the command is gone with its folder; nothing more to stop
                    }
                }
            }

            foreach (var (_, record) in claimed)
            {
                if (!string.IsNullOrEmpty(record.DataDirectory))
                {
                    TryDeleteDirectory(record.DataDirectory);
                }
            }

            foreach (var (path, _) in claimed)
            {
                Unregister(path);
            }

            DeleteOrphanRunDirectories();
            return claimed.Count;
        }
    }

    private static List<(string Path, ProcessRecord Record)> ClaimOrphanRecords()
    {
        var claimed = new List<(string, ProcessRecord)>();
        var claimSuffix = string.Create(CultureInfo.InvariantCulture, $".reaping-{Environment.ProcessId}");
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                DeleteIfStale(path);
                continue;
            }

            if (name.Contains(".reaping-", StringComparison.Ordinal))
            {
                // Claimed by a reaper; take it over only if that reaper is gone.
                var reaper = name[(name.LastIndexOf('-') + 1)..];
                if (!int.TryParse(reaper, NumberStyles.None, CultureInfo.InvariantCulture, out var reaperPid) ||
                    LinuxProcess.IsRunning(reaperPid))
                {
                    continue;
                }
            }
            else if (!name.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            var record = Read(path);
            if (record is null)
            {
                DeleteIfStale(path);
                continue;
            }

            if (LinuxProcess.IsRunning(record.OwnerPid, record.OwnerStartTime))
            {
                continue;
            }

            var baseName = name.Contains(".reaping-", StringComparison.Ordinal) ? name[..name.IndexOf(".reaping-", StringComparison.Ordinal)] : name;
            var claimPath = Path.Combine(Directory, baseName + claimSuffix);
            try
            {
                File.Move(path, claimPath);
            }
            catch (IOException)
            {
                continue; // another reaper was faster
            }

            claimed.Add((claimPath, record));
        }

        return claimed;
    }

    private static void KillIfSameProcess(ProcessRecord record)
    {
        if (record.ChildPid <= 0 || !LinuxProcess.IsRunning(record.ChildPid, record.ChildStartTime))
        {
            return;
        }

        if (record.ChildExecutable is not null && LinuxProcess.GetExecutable(record.ChildPid) != record.ChildExecutable)
        {
            return;
        }

        LinuxProcess.Signal(record.ChildPid, NativeMethods.SigKill);
        LinuxProcess.WaitUntilGone(record.ChildPid, record.ChildStartTime, TimeSpan.FromSeconds(10));
    }

    private static void DeleteOrphanRunDirectories()
    {
        if (!System.IO.Directory.Exists(HarnessPaths.Root))
        {
            return;
        }

        foreach (var directory in System.IO.Directory.EnumerateDirectories(HarnessPaths.Root, HarnessPaths.RunPrefix + "*"))
        {
            // run-<owner pid>-<random>
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner) &&
                !LinuxProcess.IsRunning(owner) && !IsReferencedByRecord(directory))
            {
                TryDeleteDirectory(directory);
            }
        }
    }

    private static bool IsReferencedByRecord(string directory) =>
        System.IO.Directory.EnumerateFiles(Directory).Any(p => Read(p)?.DataDirectory is { } d &&
            (d == directory || d.StartsWith(directory + "/", StringComparison.Ordinal)));

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            HarnessPaths.DeleteDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left for the next reaper
        }
    }

    private static void DeleteIfStale(string path)
    {
        try
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromMinutes(1))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // gone already
        }
    }
}
