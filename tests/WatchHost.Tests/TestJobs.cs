using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Typed AgentJobs for unit tests.</summary>
internal static class TestJobs
{
    public static AgentJob Job(string name, string rv = "1", string? uid = null, string ns = "ns", string? state = "executing") =>
        new(ns, name, uid ?? "uid-" + name, rv, null, null, "6f1c2b9e-0000-4000-8000-000000000001", "agent", "creator", name, state, []);
}
