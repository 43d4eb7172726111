using System.Diagnostics;
using AgentJobSync.TestHarness;
using Xunit;
using Xunit.Abstractions;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>The published watch host routing real AgentJobs, driven as the platform's job operator drives them, to real silos.</summary>
[Collection(ProcessCollection.Name)]
public sealed class RoutingProcessTests(ProcessFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Fifty_jobs_driven_to_completion_all_complete_and_land_without_a_write_of_ours()
    {
        var scenario = await Scenario.StartAsync(fixture, "drive50");
        var owners = await scenario.CreateUsersAsync(5);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var random = new Random(50);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 50; i++)
        {
            jobs.Add(await scenario.Driver.CreateAsync($"job-{i:D2}", owners[i % owners.Count]));
        }

        await Task.WhenAll(jobs.Select(j => scenario.Driver.DriveAsync(j, ["inactive", "executing", "completed"], random)));

        Assert.Equal(0, scenario.Driver.Conflicts);
        Assert.All(jobs, j => Assert.Equal("completed", j.State));
        await scenario.UntilInSyncAsync(jobs);
        foreach (var job in jobs)
        {
            Assert.Equal(1, await scenario.Users.CountEntriesAsync(job.Uid));
            Assert.Null(await scenario.WrittenByOthersAsync(job));
        }
    }

    [Fact]
    public async Task Two_hundred_jobs_of_twenty_users_on_random_paths_and_spellings_converge()
    {
        var scenario = await Scenario.StartAsync(fixture, "random200");
        var owners = await scenario.CreateUsersAsync(20);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var random = new Random();
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 200; i++)
        {
            jobs.Add(await scenario.Driver.CreateAsync($"job-{i:D3}", owners[i % owners.Count]));
        }

        await using var probe = new ConvergenceProbe(scenario.Users, TimeSpan.FromMilliseconds(50));
        probe.Start();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(jobs.Select(j => scenario.Driver.DriveAsync(j, JobStates.RandomPath(random, mayStop: true), random)));
        var driven = clock.Elapsed;
        await scenario.UntilInSyncAsync(jobs);
        var converged = clock.Elapsed;
        var (median, worst, count) = probe.Lag(jobs);
        var figures = $"200 jobs / 20 users: driver {driven.TotalSeconds:F1}s ({scenario.Driver.Writes} writes), in sync after {converged.TotalSeconds:F1}s; " +
            $"lag status change -> persisted entry over {count} jobs (50 ms polling): median {median.TotalMilliseconds:F0} ms, worst {worst.TotalMilliseconds:F0} ms";
        output.WriteLine(figures);
        Console.WriteLine(figures);
        Assert.Equal(0, scenario.Driver.Conflicts);
        Assert.True(count > 0, "no lag sample");
    }

    [Fact]
    public async Task A_job_deleted_right_after_completing_keeps_its_final_state_and_gains_deleted_time()
    {
        var scenario = await Scenario.StartAsync(fixture, "delete");
        var owners = await scenario.CreateUsersAsync(1);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 5; i++)
        {
            var job = await scenario.Driver.CreateAsync($"job-{i}", owners[0]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            Assert.True(await scenario.Driver.SetStateAsync(job, "completed"));
            await scenario.Driver.DeleteAsync(job);
            jobs.Add(job);
        }

        await Eventually.UntilAsync(
            async ct =>
            {
                var entries = await scenario.Users.EntriesAsync(ct);
                return jobs.All(j => entries.TryGetValue(j.Uid, out var e) && UserDocuments.Status(e.Entry) == "Complete" && UserDocuments.IsDeleted(e.Entry));
            },
            Scenario.SyncTimeout, "every deleted job's entry is Complete with deleted_time");
    }

    [Fact]
    public async Task Invalid_jobs_are_reported_by_warning_event_log_and_metric_while_the_others_sync()
    {
        var scenario = await Scenario.StartAsync(fixture, "invalid");
        var owners = await scenario.CreateUsersAsync(1);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var noOwner = await scenario.Driver.CreateAsync("no-owner", "");
        var badOwner = await scenario.Driver.CreateAsync("bad-owner", "not-a-uuid");
        var unknown = await scenario.Driver.CreateAsync("unknown-state", owners[0]);
        Assert.True(await scenario.Driver.SetStateAsync(unknown, "paused"));
        var noUser = await scenario.Driver.CreateAsync("no-user", Guid.NewGuid().ToString());
        var good = new List<OperatorJob>();
        for (var i = 0; i < 5; i++)
        {
            var job = await scenario.Driver.CreateAsync($"good-{i}", owners[0]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            good.Add(job);
        }

        await scenario.UntilInSyncAsync(good);
        (string Name, string Reason)[] expected =
            [(noOwner.Name, "InvalidOwner"), (badOwner.Name, "InvalidOwner"), (unknown.Name, "UnknownState"), (noUser.Name, "UserNotFound")];
        foreach (var (name, reason) in expected)
        {
            await Eventually.UntilAsync(async _ => await scenario.WarningsAsync(name, reason) == 1, TimeSpan.FromSeconds(60), $"one Warning Event {reason} on {name}");
            Assert.True(host.Logged($"{name} ("), $"no log line about {name}");
            Assert.True(await host.MetricAsync("agentjob_reconciles_total", $"reason=\"{reason}\"") >= 1, $"no metric for {reason}");
        }

        Assert.True(host.Logged("is not in sync: InvalidOwner"));
    }
}
