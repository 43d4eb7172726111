namespace AgentJobSync.TestHarness;

/// <summary>
/// One entry of the <see cref="ProcessRegistry"/>: something a test process (the owner) started and must clean up,
/// so that the next harness start can clean it up instead if the owner died without doing so.
/// </summary>
public sealed class ProcessRecord
{
    /// <summary>The child process to kill if the owner is gone; 0 when the record only covers a stop command or a folder.</summary>
    public int ChildPid { get; set; }

    /// <summary>The child's start time (/proc/PID/stat field 22), to tell a reused PID apart.</summary>
    public ulong ChildStartTime { get; set; }

    /// <summary>The child's executable (/proc/PID/exe) when it was registered.</summary>
    public string? ChildExecutable { get; set; }

    /// <summary>The test process that started the child.</summary>
    public int OwnerPid { get; set; }

    /// <summary>The owner's start time.</summary>
    public ulong OwnerStartTime { get; set; }

    /// <summary>A command to run when the owner is gone (e.g. mongo-wire's <c>stop.sh DATA_DIR</c>): file, then arguments.</summary>
    public IReadOnlyList<string>? StopCommand { get; set; }

    /// <summary>A folder to delete when the owner is gone.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>What this is, for people reading the record.</summary>
    public string? Description { get; set; }
}
