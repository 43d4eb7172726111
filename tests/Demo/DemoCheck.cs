using System.Diagnostics;
using AgentJobSync.TestHarness;

namespace AgentJobSync.Demo;

/// <summary>
/// `make demo-check`: <c>jobs</c> AgentJobs of <c>users</c> users driven on random paths and spellings by the
/// job-operator driver; passes when every entry matches its resource and the driver saw no conflict. Its last line is
/// <c>demo-check: &lt;jobs&gt; jobs, &lt;users&gt; users, in sync &lt;n&gt;/&lt;jobs&gt;, &lt;seconds&gt;s</c>.
/// </summary>
internal sealed class DemoCheck(DemoSystem system, int jobs, int users)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random();
        var owners = Enumerable.Range(0, users).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var owner in owners)
        {
            await system.Users.CreateUserAsync(owner, cancellationToken);
        }

        var created = new List<OperatorJob>();
        for (var i = 0; i < jobs; i++)
        {
            created.Add(await system.Driver.CreateAsync($"check-{i:D3}", owners[i % users], cancellationToken));
        }

        await Task.WhenAll(created.Select(j => system.Driver.DriveAsync(j, JobStates.RandomPath(random, mayStop: true), random, cancellationToken)));
        Console.WriteLine($"demo-check: driver done ({system.Driver.Writes} status writes, {system.Driver.Conflicts} conflicts); waiting for the entries");
        var inSync = 0;
        try
        {
            await Eventually.UntilAsync(
                async ct => (inSync = await system.InSyncAsync(created, ct)) == jobs, Deadline, "every entry matches its AgentJob", cancellationToken);
        }
        catch (TimeoutException e)
        {
            Console.WriteLine("demo-check: " + e.Message);
        }

        var ok = inSync == jobs && system.Driver.Conflicts == 0;
        if (system.Driver.Conflicts > 0)
        {
            Console.WriteLine($"demo-check: FAILED: the job operator's writes conflicted {system.Driver.Conflicts} times");
        }

        Console.WriteLine($"demo-check: {jobs} jobs, {users} users, in sync {inSync}/{jobs}, {clock.Elapsed.TotalSeconds:F1}s");
        return ok ? 0 : 1;
    }
}
