using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>A child process's output, signals, registry record and log.</summary>
[Collection(HarnessCollection.Name)]
public sealed class ManagedProcessTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"agentjob-managed-process-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task Output_is_awaited_logged_and_the_process_is_registered_until_it_exits()
    {
        var log = Path.Combine(directory, "child.log");
        await using var child = ManagedProcess.Start("/bin/sh", ["-c", "echo starting; echo early >&2; echo \"ready $GREETING\" >&2; exec sleep 600"], log,
            new Dictionary<string, string> { ["GREETING"] = "hello" });

        var line = await child.WaitForOutputAsync(l => l.StartsWith("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.Equal("ready hello", line);
        // Lines of one stream arrive in order; stdout and stderr are read apart, so stdout's line may come after "ready".
        Assert.Contains("early", child.RecentLines);
        Assert.Equal("starting", await child.WaitForOutputAsync(l => l == "starting", TimeSpan.FromSeconds(10)));
        Assert.Contains("starting", child.RecentLines);
        Assert.Contains(RegistryRecords(), r => r.ChildPid == child.Pid && r.OwnerPid == Environment.ProcessId);
        // A line seen before the wait started counts too.
        Assert.Equal("early", await child.WaitForOutputAsync(l => l == "early", TimeSpan.FromSeconds(1)));

        child.Terminate();
        var exitCode = await child.WaitForExitAsync();

        Assert.Equal(128 + 15, exitCode);
        Assert.True(child.HasExited);
        Assert.DoesNotContain(RegistryRecords(), r => r.ChildPid == child.Pid && r.OwnerPid == Environment.ProcessId);
        Assert.Contains("ready hello", await File.ReadAllLinesAsync(log));
    }

    [Fact]
    public async Task Waiting_for_output_fails_fast_when_the_process_exits_and_times_out_otherwise()
    {
        await using var quitter = ManagedProcess.Start("/bin/sh", ["-c", "echo bye; exit 3"], Path.Combine(directory, "quitter.log"));
        var exited = await Assert.ThrowsAsync<InvalidOperationException>(() => quitter.WaitForOutputAsync(l => l == "never", TimeSpan.FromSeconds(30)));
        Assert.Contains("bye", exited.Message, StringComparison.Ordinal);
        Assert.Equal(3, await quitter.WaitForExitAsync());

        await using var silent = ManagedProcess.Start("/bin/sleep", ["600"], Path.Combine(directory, "silent.log"));
        await Assert.ThrowsAsync<TimeoutException>(() => silent.WaitForOutputAsync(l => l == "never", TimeSpan.FromMilliseconds(200)));
        silent.Kill();
        Assert.Equal(128 + 9, await silent.WaitForExitAsync());
    }

    [Fact]
    public async Task Dispose_stops_a_process_that_ignores_SIGTERM_with_SIGKILL()
    {
        var child = ManagedProcess.Start("/bin/sh", ["-c", "trap '' TERM; echo armed; while :; do sleep 0.1; done"], Path.Combine(directory, "stubborn.log"));
        await child.WaitForOutputAsync(l => l == "armed", TimeSpan.FromSeconds(10));
        var startTime = LinuxProcess.GetStartTime(child.Pid)!.Value;

        await child.DisposeAsync();

        Assert.False(LinuxProcess.IsRunning(child.Pid, startTime));
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<ProcessRecord> RegistryRecords() =>
        [.. Directory.EnumerateFiles(ProcessRegistry.Directory).Select(ProcessRegistry.Read).OfType<ProcessRecord>()];
}
