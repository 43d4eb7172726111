using System.Net;
using System.Net.Sockets;

namespace AgentJobSync.Harness.Tests;

/// <summary>Small checks of the machine's state: ports and processes.</summary>
internal static class Probe
{
    /// <summary>Something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool Accepts(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Live (not zombie) processes whose command line or working directory is inside one of <paramref name="directories"/>.</summary>
    public static List<string> ProcessesUsing(IReadOnlyCollection<string> directories)
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || !AgentJobSync.TestHarness.LinuxProcess.IsRunning(pid))
            {
                continue;
            }

            string cmdline;
            string? cwd;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                cwd = new FileInfo(Path.Combine(proc, "cwd")).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked
            }

            if (directories.Any(d => cmdline.Contains(d, StringComparison.Ordinal) ||
                (cwd is not null && (cwd == d || cwd.StartsWith(d + "/", StringComparison.Ordinal)))))
            {
                found.Add($"{pid}: {cmdline.Trim()}");
            }
        }

        return found;
    }
}
