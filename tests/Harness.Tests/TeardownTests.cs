using AgentJobSync.TestHarness;
using Xunit;
using Xunit.Abstractions;

namespace AgentJobSync.Harness.Tests;

/// <summary>Disposing a test environment leaves no process, port, folder or registry record behind.</summary>
[Collection(HarnessCollection.Name)]
public sealed class TeardownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Dispose_stops_every_process_frees_every_port_and_deletes_the_folders()
    {
        var environment = await TestEnvironment.StartAsync(new ControlPlaneOptions(), withToxiproxy: true, database: DatabaseChoice.FerretDb);
        var faults = environment.Faults!;
        var toxic = await faults.AddProxyAsync("teardown", $"127.0.0.1:{environment.Mongo.Proxy.Port}");

        var pids = new Dictionary<string, int>
        {
            ["etcd"] = environment.Kube.EtcdPid,
            ["kube-apiserver"] = environment.Kube.ApiServerPid,
            ["postgres"] = environment.Mongo.PostgresPid,
            ["ferretdb"] = environment.Mongo.FerretDbPid,
            ["toxiproxy-server"] = faults.Pid,
        };
        var startTimes = pids.ToDictionary(p => p.Key, p => LinuxProcess.GetStartTime(p.Value));
        var ports = new Dictionary<string, int>
        {
            ["kube-apiserver"] = environment.Kube.ApiServerPort,
            ["etcd"] = environment.Kube.EtcdPort,
            ["postgres"] = environment.Mongo.PostgresPort,
            ["ferretdb"] = environment.Mongo.FerretDbEndPoint.Port,
            ["wire proxy"] = environment.Mongo.Proxy.Port,
            ["toxiproxy api"] = faults.ApiPort,
            ["toxiproxy proxy"] = toxic.Port,
        };
        string[] runDirectories =
        [
            Path.GetDirectoryName(environment.Kube.Directory)!,
            Path.GetDirectoryName(environment.Mongo.DataDirectory)!,
            Path.GetDirectoryName(faults.Directory)!,
        ];
        output.WriteLine($"pids: {string.Join(", ", pids.Select(p => $"{p.Key}={p.Value}"))}");
        output.WriteLine($"ports: {string.Join(", ", ports.Select(p => $"{p.Key}={p.Value}"))}");
        output.WriteLine($"folders: {string.Join(", ", runDirectories)}");

        foreach (var (name, pid) in pids)
        {
            Assert.True(pid > 0 && LinuxProcess.IsRunning(pid), $"{name} (pid {pid}) should run before dispose");
        }

        foreach (var (name, port) in ports)
        {
            Assert.True(Probe.Accepts(port), $"{name} port {port} should accept connections before dispose");
        }

        var usingBefore = Probe.ProcessesUsing(runDirectories);
        Assert.True(usingBefore.Count >= 5, $"expected at least etcd, kube-apiserver, postgres, ferretdb, toxiproxy in the folders:\n{string.Join('\n', usingBefore)}");
        Assert.NotEmpty(RecordsFor(runDirectories, pids.Values));

        await environment.DisposeAsync();

        foreach (var (name, pid) in pids)
        {
            Assert.False(LinuxProcess.IsRunning(pid, startTimes[name]!.Value), $"{name} (pid {pid}) still runs after dispose");
        }

        Assert.Empty(Probe.ProcessesUsing(runDirectories));
        foreach (var (name, port) in ports)
        {
            Assert.False(Probe.Accepts(port), $"{name} port {port} still accepts connections after dispose");
        }

        foreach (var directory in runDirectories)
        {
            Assert.False(Directory.Exists(directory), $"{directory} still exists after dispose");
        }

        Assert.Empty(RecordsFor(runDirectories, pids.Values));
    }

    /// <summary>Registry records that name one of these folders or processes.</summary>
    private static List<string> RecordsFor(IReadOnlyCollection<string> directories, IEnumerable<int> pids)
    {
        var pidSet = pids.ToHashSet();
        return [.. Directory.EnumerateFiles(ProcessRegistry.Directory)
            .Where(path => ProcessRegistry.Read(path) is { } record &&
                (pidSet.Contains(record.ChildPid) ||
                 (record.DataDirectory is { } d && directories.Contains(d)) ||
                 (record.StopCommand?.Any(a => directories.Any(dir => a.StartsWith(dir, StringComparison.Ordinal))) ?? false)))];
    }
}
