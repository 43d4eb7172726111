using System.Globalization;

namespace AgentJobSync.TestHarness;

/// <summary>What /proc says about a process: its start time (to tell a reused PID apart), executable and state.</summary>
public static class LinuxProcess
{
    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22), or null if it is gone.</summary>
    public static ulong? GetStartTime(int pid)
    {
        var fields = ReadStatFields(pid);
        // fields[0] is field 3 (state); starttime is field 22.
        return fields is { Length: > 19 } && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? ticks
            : null;
    }

    /// <summary>The target of /proc/PID/exe, or null if it is gone or unreadable (a zombie has none).</summary>
    public static string? GetExecutable(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The process exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        var fields = ReadStatFields(pid);
        return fields is { Length: > 0 } && fields[0] is not ("Z" or "X" or "x");
    }

    /// <summary>The process exists, is not a zombie and is the one that started at <paramref name="startTime"/>.</summary>
    public static bool IsRunning(int pid, ulong startTime) => IsRunning(pid) && GetStartTime(pid) == startTime;

    /// <summary>Sends a signal (libc kill); false if the process does not exist.</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && NativeMethods.Kill(pid, signal) == 0;

    /// <summary>Polls /proc until the process is gone or a zombie, at most <paramref name="timeout"/>.</summary>
    public static bool WaitUntilGone(int pid, ulong? startTime, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var running = startTime is { } st ? IsRunning(pid, st) : IsRunning(pid);
            if (!running)
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }
    }

    private static string[]? ReadStatFields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name in parentheses may contain spaces and parentheses; the fields after the last ')' are fixed.
        var end = stat.LastIndexOf(')');
        return end < 0 ? null : stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
