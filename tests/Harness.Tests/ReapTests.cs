using System.Diagnostics;
using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>What a crashed test run left behind is cleaned up at the next harness start, and nothing else is.</summary>
[Collection(HarnessCollection.Name)]
public sealed class ReapTests
{
    [Fact]
    public void ReapOrphans_kills_the_children_of_a_dead_owner_runs_its_stop_command_and_deletes_its_folder()
    {
        // An owner that has died: a process we started, noted and killed.
        using var owner = Process.Start("sleep", "600");
        var ownerStartTime = LinuxProcess.GetStartTime(owner.Id)!.Value;
        owner.Kill();
        owner.WaitForExit();

        using var orphan = Process.Start("sleep", "600");
        using var kept = Process.Start("sleep", "600");
        var scratch = Path.Combine(Path.GetTempPath(), $"agentjob-reap-test-{Guid.NewGuid():N}");
        var dataDirectory = Path.Combine(scratch, "data");
        var marker = Path.Combine(scratch, "stopped");
        Directory.CreateDirectory(dataDirectory);
        File.WriteAllText(Path.Combine(dataDirectory, "file"), "left by a crashed run");
        string? keptRecord = null;
        try
        {
            var orphanRecord = ProcessRegistry.CreateRecordForChild(orphan.Id, "reap test: orphan");
            orphanRecord.OwnerPid = owner.Id;
            orphanRecord.OwnerStartTime = ownerStartTime;
            orphanRecord.StopCommand = ["/bin/sh", "-c", $"echo stopped > '{marker}'"];
            orphanRecord.DataDirectory = dataDirectory;
            var orphanPath = ProcessRegistry.Register(orphanRecord);
            keptRecord = ProcessRegistry.Register(ProcessRegistry.CreateRecordForChild(kept.Id, "reap test: owner alive"));

            ProcessRegistry.ReapOrphans();

            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(10)), "the orphaned child still runs");
            Assert.False(File.Exists(orphanPath), "the orphan's record was not removed");
            Assert.True(File.Exists(marker), "the orphan's stop command did not run");
            Assert.False(Directory.Exists(dataDirectory), "the orphan's folder was not deleted");

            Assert.False(kept.HasExited, "a child of a live owner was killed");
            Assert.True(File.Exists(keptRecord), "the record of a live owner was removed");
        }
        finally
        {
            if (!orphan.HasExited)
            {
                orphan.Kill();
            }

            kept.Kill();
            kept.WaitForExit();
            if (keptRecord is not null)
            {
                ProcessRegistry.Unregister(keptRecord);
            }

            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    [Fact]
    public void ReapOrphans_leaves_a_reused_pid_alone()
    {
        // The record's owner is dead, but its "child" PID now belongs to another process (other start time).
        using var owner = Process.Start("sleep", "600");
        var ownerStartTime = LinuxProcess.GetStartTime(owner.Id)!.Value;
        owner.Kill();
        owner.WaitForExit();
        using var stranger = Process.Start("sleep", "600");
        try
        {
            var record = ProcessRegistry.CreateRecordForChild(stranger.Id, "reap test: reused pid");
            record.OwnerPid = owner.Id;
            record.OwnerStartTime = ownerStartTime;
            record.ChildStartTime -= 1;
            var path = ProcessRegistry.Register(record);

            ProcessRegistry.ReapOrphans();

            Assert.False(File.Exists(path), "the orphan's record was not removed");
            Assert.False(stranger.HasExited, "a process that merely reuses a recorded PID was killed");
        }
        finally
        {
            stranger.Kill();
            stranger.WaitForExit();
        }
    }
}
