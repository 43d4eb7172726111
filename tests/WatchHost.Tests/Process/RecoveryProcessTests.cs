using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>The published watch host through faults: SIGKILL, API server restart, database blackout, downtime, owner removal.</summary>
[Collection(ProcessCollection.Name)]
public sealed class RecoveryProcessTests(ProcessFixture fixture)
{
    [Fact]
    public async Task Watch_host_killed_mid_stream_and_restarted_lands_every_final_state()
    {
        var scenario = await Scenario.StartAsync(fixture, "kill");
        var owners = await scenario.CreateUsersAsync(4);
        var first = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(first);
        var random = new Random(7);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 40; i++)
        {
            jobs.Add(await scenario.Driver.CreateAsync($"job-{i:D2}", owners[i % owners.Count]));
        }

        var driving = Task.WhenAll(jobs.Select(j => scenario.Driver.DriveAsync(j, ["inactive", "executing", "completed"], random)));
        await Eventually.UntilAsync(() => scenario.Driver.Writes >= 40, TimeSpan.FromSeconds(60), "the driver is mid-stream");
        first.Process.Kill();
        await first.Process.WaitForExitAsync();
        var second = await scenario.StartWatchHostAsync();
        await driving;
        await Scenario.UntilLeadingAsync(second);
        await scenario.UntilInSyncAsync(jobs);
        Assert.Equal(0, scenario.Driver.Conflicts);
        foreach (var job in jobs)
        {
            Assert.Equal(1, await scenario.Users.CountEntriesAsync(job.Uid));
        }
    }

    [Fact]
    public async Task Api_server_restarted_under_load_converges()
    {
        var scenario = await Scenario.StartAsync(fixture, "apirestart");
        var owners = await scenario.CreateUsersAsync(4);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 40; i++)
        {
            var job = await scenario.Driver.CreateAsync($"job-{i:D2}", owners[i % owners.Count]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            jobs.Add(job);
        }

        // The backlog is still being routed when the API server goes away.
        await fixture.Env.Kube.RestartApiServerAsync();
        foreach (var job in jobs)
        {
            Assert.True(await scenario.Driver.SetStateAsync(job, job.Name.EndsWith('7') ? "error" : "completed"));
        }

        await scenario.UntilInSyncAsync(jobs);
        Assert.True(await host.MetricAsync("agentjob_watch_restarts_total") >= 1, "the watch never restarted");
    }

    [Fact]
    public async Task Database_blackout_is_reported_then_everything_converges()
    {
        var scenario = await Scenario.StartAsync(fixture, "blackout");
        var owners = await scenario.CreateUsersAsync(2);
        var host = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(host);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 10; i++)
        {
            var job = await scenario.Driver.CreateAsync($"job-{i}", owners[i % 2]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "inactive"));
            jobs.Add(job);
        }

        await scenario.UntilInSyncAsync(jobs);
        await fixture.Database.DisableAsync();
        try
        {
            foreach (var job in jobs)
            {
                Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            }

            await Eventually.UntilAsync(
                async _ => await host.MetricAsync("agentjob_reconciles_total", "reason=\"DatabaseUnavailable\"") >= 1,
                TimeSpan.FromSeconds(60), "the metric reports DatabaseUnavailable");
            await Eventually.UntilAsync(
                async _ =>
                {
                    foreach (var job in jobs)
                    {
                        if (await scenario.WarningsAsync(job.Name, "DatabaseUnavailable") > 0)
                        {
                            return true;
                        }
                    }

                    return false;
                },
                TimeSpan.FromSeconds(30), "a Warning Event reports DatabaseUnavailable");
        }
        finally
        {
            await fixture.Database.EnableAsync();
        }

        await scenario.UntilInSyncAsync(jobs, TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Jobs_deleted_while_no_watch_host_ran_get_deleted_time()
    {
        var scenario = await Scenario.StartAsync(fixture, "downdelete");
        var owners = await scenario.CreateUsersAsync(1);
        var first = await scenario.StartWatchHostAsync();
        await Scenario.UntilLeadingAsync(first);
        var jobs = new List<OperatorJob>();
        for (var i = 0; i < 6; i++)
        {
            var job = await scenario.Driver.CreateAsync($"job-{i}", owners[0]);
            Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
            jobs.Add(job);
        }

        await scenario.UntilInSyncAsync(jobs);
        first.Process.Terminate();
        Assert.Equal(0, await first.Process.WaitForExitAsync());
        var deleted = jobs.Take(3).ToList();
        foreach (var job in deleted)
        {
            await scenario.Driver.DeleteAsync(job);
        }

        var second = await scenario.StartWatchHostAsync();
        await Eventually.UntilAsync(
            async ct =>
            {
                var entries = await scenario.Users.EntriesAsync(ct);
                return deleted.All(j => entries.TryGetValue(j.Uid, out var e) && UserDocuments.IsDeleted(e.Entry) && UserDocuments.Status(e.Entry) == "Executing");
            },
            Scenario.SyncTimeout, "the jobs deleted while down have deleted_time and keep Executing");
        var after = await scenario.Users.EntriesAsync();
        Assert.All(jobs.Skip(3), j => Assert.False(UserDocuments.IsDeleted(after[j.Uid].Entry), $"{j.Name} is alive"));
        // One Information line for the comparison (each job found is a Debug line).
        Assert.True(second.Logged("3 deleted while nothing watched"));
    }

    [Fact]
    public async Task An_entry_removed_by_its_owner_stays_removed_across_restart_and_resync()
    {
        var scenario = await Scenario.StartAsync(fixture, "removed");
        var owners = await scenario.CreateUsersAsync(1);
        var fastResync = new Dictionary<string, string> { ["RESYNC_PERIOD"] = "00:00:02" };
        var first = await scenario.StartWatchHostAsync(env: fastResync);
        await Scenario.UntilLeadingAsync(first);
        var job = await scenario.Driver.CreateAsync("job", owners[0]);
        Assert.True(await scenario.Driver.SetStateAsync(job, "inactive"));
        await scenario.UntilInSyncAsync([job]);

        // The manager removes the entry (the exact element, as FerretDB's $pull only removes equal values).
        var entry = (await scenario.Users.EntriesAsync())[job.Uid].Entry;
        await scenario.Users.Collection.UpdateOneAsync(
            Builders<BsonDocument>.Filter.Eq("id", owners[0]), Builders<BsonDocument>.Update.Pull("jobs", entry));
        Assert.True(await scenario.Driver.SetStateAsync(job, "executing"));
        await Eventually.UntilAsync(
            async _ => await first.MetricAsync("agentjob_reconciles_total", "reason=\"EntryRemovedByOwner\"") >= 1,
            TimeSpan.FromSeconds(60), "the grain saw the removal");
        first.Process.Terminate();
        Assert.Equal(0, await first.Process.WaitForExitAsync());

        var second = await scenario.StartWatchHostAsync(env: fastResync);
        await Scenario.UntilLeadingAsync(second);
        Assert.True(await scenario.Driver.SetStateAsync(job, "completed"));
        await Eventually.UntilAsync(
            async _ => await second.MetricAsync("agentjob_watch_events_total", "type=\"resync\"") >= 2
                && await second.MetricAsync("agentjob_reconciles_total", "reason=\"EntryRemovedByOwner\"") >= 1
                && await second.MetricAsync("agentjob_reconciles_skipped_total", "why=\"in_sync\"") >= 1,
            TimeSpan.FromSeconds(60), "the new watch host routed the change, and its resyncs found the job settled at that version");
        Assert.Equal(0, await scenario.Users.CountEntriesAsync(job.Uid));
    }
}
