using System.Diagnostics;

namespace AgentJobSync.TestHarness;

/// <summary>
/// A child process of the test run: its stdout and stderr go to a log file and the last lines stay in memory;
/// it is registered in the <see cref="ProcessRegistry"/> while it runs, so a crashed run leaves nothing behind.
/// Disposing stops it: SIGTERM, up to 5 s, then SIGKILL.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Queue<string> recent;
    private readonly int recentCapacity;
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Done)> waiters = [];
    private readonly Lock gate = new();
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string name;
    private string? recordPath;
    private int openStreams = 2;
    private bool logClosed;
    private int disposed;

    private ManagedProcess(Process process, StreamWriter log, string logPath, int recentCapacity, string name)
    {
        this.process = process;
        this.log = log;
        this.recentCapacity = recentCapacity;
        this.name = name;
        LogPath = logPath;
        recent = new Queue<string>(recentCapacity);
    }

    /// <summary>The child's PID.</summary>
    public int Pid { get; private set; }

    /// <summary>Where stdout and stderr are written, line by line.</summary>
    public string LogPath { get; }

    /// <summary>The child has exited (and was reaped).</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The last lines of stdout and stderr, oldest first.</summary>
    public IReadOnlyList<string> RecentLines
    {
        get
        {
            lock (gate)
            {
                return [.. recent];
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/>; <paramref name="environment"/> adds to or
    /// overrides the inherited environment. Reaps orphans of crashed runs first.
    /// </summary>
    public static ManagedProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string logPath,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        int recentLineCapacity = 200)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(recentLineCapacity, 1);
        ProcessRegistry.ReapOrphans();

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process, log, logPath, recentLineCapacity, Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => managed.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => managed.OnLine(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }

        managed.Pid = process.Id;
        managed.recordPath = ProcessRegistry.Register(
            ProcessRegistry.CreateRecordForChild(process.Id, $"{fileName} (log {logPath})"));
        process.Exited += (_, _) => managed.Unregister();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            managed.Unregister();
        }

        return managed;
    }

    /// <summary>Waits until the child exits and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await outputClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    /// <summary>SIGTERM.</summary>
    public void Terminate()
    {
        if (!process.HasExited)
        {
            LinuxProcess.Signal(Pid, NativeMethods.SigTerm);
        }
    }

    /// <summary>SIGSTOP: the process is frozen (no thread runs, no socket is answered) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (!process.HasExited)
        {
            LinuxProcess.Signal(Pid, NativeMethods.SigStop);
        }
    }

    /// <summary>SIGCONT: a frozen process runs again.</summary>
    public void Resume()
    {
        if (!process.HasExited)
        {
            LinuxProcess.Signal(Pid, NativeMethods.SigCont);
        }
    }

    /// <summary>
    /// Completes when a line of stdout or stderr (already seen among <see cref="RecentLines"/> or still to come)
    /// matches <paramref name="predicate"/>; fails if the child exits first or on timeout.
    /// </summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            var seen = recent.FirstOrDefault(predicate);
            if (seen is not null)
            {
                return seen;
            }

            waiters.Add((predicate, done));
        }

        try
        {
            var exited = WaitForExitAsync();
            var first = await Task.WhenAny(done.Task, exited).WaitAsync(timeout).ConfigureAwait(false);
            if (first == done.Task || done.Task.IsCompleted)
            {
                return await done.Task.ConfigureAwait(false);
            }

            throw new InvalidOperationException(
                $"{name} (pid {Pid}) exited with code {process.ExitCode} before the expected output; last lines:\n{Describe()}");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{name} (pid {Pid}) did not print the expected output within {timeout}; last lines:\n{Describe()}");
        }
        finally
        {
            lock (gate)
            {
                waiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <summary>The last lines, for error messages.</summary>
    public string Describe(int lines = 40)
    {
        var all = RecentLines;
        return string.Join('\n', all.Skip(Math.Max(0, all.Count - lines)));
    }

    /// <summary>SIGTERM, wait up to 5 s, SIGKILL, wait for exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (!process.HasExited)
        {
            Terminate();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TerminateGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Kill();
            }
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        await outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        Unregister();
        lock (gate)
        {
            logClosed = true;
            log.Dispose();
        }

        process.Dispose();
    }

    private void OnLine(string? line)
    {
        List<TaskCompletionSource<string>>? matched = null;
        lock (gate)
        {
            if (line is null)
            {
                if (--openStreams == 0)
                {
                    outputClosed.TrySetResult();
                }

                return;
            }

            if (!logClosed)
            {
                log.WriteLine(line);
            }

            if (recent.Count == recentCapacity)
            {
                recent.Dequeue();
            }

            recent.Enqueue(line);
            foreach (var (predicate, done) in waiters)
            {
                if (predicate(line))
                {
                    (matched ??= []).Add(done);
                }
            }
        }

        if (matched is not null)
        {
            foreach (var done in matched)
            {
                done.TrySetResult(line);
            }
        }
    }

    private void Unregister()
    {
        var path = Interlocked.Exchange(ref recordPath, null);
        if (path is not null)
        {
            ProcessRegistry.Unregister(path);
        }
    }
}
