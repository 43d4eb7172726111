using System.Collections.Concurrent;
using AgentJobSync.TestHarness;
using Orleans;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>
/// The cases of Orleans' shared membership-table test base (insert, read, update, parallel update, I-am-alive, defunct
/// cleanup), written for this table, plus the two promises Orleans' contract makes about ETags: a heartbeat leaves the
/// row ETag valid, and a write refused for its row leaves the table version as it was; checked with several table
/// objects (one per simulated silo) writing at once against the real API server.
/// </summary>
[Collection(ClusteringCollection.Name)]
public sealed class MembershipContractTests(ControlPlaneFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_heartbeat_leaves_the_row_etag_valid_for_the_next_UpdateRow()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("hbetag");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("hbetag"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();
        var etag = before.Members[0].Item2;

        // What Orleans passes on its I-am-alive timer: the address and the time, nothing else.
        await table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = entry.IAmAliveTime.AddSeconds(30) });

        var after = await table.ReadAll();
        Assert.Equal(etag, Assert.Single(after.Members).Item2);
        Assert.Equal(before.Version, after.Version);
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Active), etag, after.Version.Next()));
        Assert.Equal(SiloStatus.Active, Assert.Single((await table.ReadRow(entry.SiloAddress)).Members).Item1.Status);
    }

    [Fact]
    public async Task A_write_refused_for_its_row_leaves_the_table_version_as_it_was()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("rowrefused");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("rowrefused"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var v1 = await table.ReadAll();
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Active), v1.Members[0].Item2, v1.Version.Next()));
        var current = await table.ReadAll();

        Assert.False(await table.UpdateRow(Tables.With(entry, SiloStatus.Dead), v1.Members[0].Item2, current.Version.Next()));
        Assert.Equal(current.Version, (await table.ReadAll()).Version);
        Assert.False(await table.InsertRow(Tables.With(entry, SiloStatus.Dead), current.Version.Next()));
        Assert.Equal(current.Version, (await table.ReadAll()).Version);
        Assert.False(await table.UpdateRow(Tables.Entry(), current.Members[0].Item2, current.Version.Next()));

        var after = await table.ReadAll();
        Assert.Equal(current.Version, after.Version);
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Dead), current.Members[0].Item2, current.Version.Next()));
    }

    [Fact]
    public async Task InsertRow_fails_at_a_used_version_and_for_a_present_row_and_ReadRow_reports_the_version_of_the_insert()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("insertread");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("insertread"));
        await table.InitializeMembershipTable(true);
        var empty = await table.ReadAll();
        var entry = Tables.Entry();
        var first = empty.Version.Next();

        Assert.True(await table.InsertRow(entry, first));
        Assert.False(await table.InsertRow(entry, first));
        Assert.False(await table.InsertRow(Tables.Entry(), first));
        var v1 = await table.ReadRow(entry.SiloAddress);
        Assert.Equal(1, v1.Version.Version);
        Assert.False(await table.InsertRow(entry, v1.Version.Next()));

        var all = await table.ReadAll();
        var (row, etag) = Assert.Single(all.Members);
        Tables.AssertSame(entry, row);
        Assert.Equal(first.Version, all.Version.Version);
        Assert.NotEqual(first.VersionEtag, all.Version.VersionEtag);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(v1.Members[0].Item2, etag);
    }

    [Fact]
    public async Task UpdateRow_needs_both_the_row_etag_and_the_current_version_and_a_refusal_changes_neither()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("updaterow");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("updaterow"));
        await table.InitializeMembershipTable(true);
        var data = await table.ReadAll();
        for (var count = 1; count <= 5; count++)
        {
            var entry = Tables.Entry();
            var inserted = data.Version.Next();
            Assert.True(await table.InsertRow(entry, inserted));
            data = await table.ReadAll();
            var etagBefore = data.TryGet(entry.SiloAddress)!.Item2;

            // The right row etag at a version already used: refused.
            Assert.False(await table.UpdateRow(entry, etagBefore, inserted));
            data = await table.ReadAll();

            var updated = data.Version.Next();
            var changed = Tables.With(entry, SiloStatus.Active);
            Assert.True(await table.UpdateRow(changed, etagBefore, updated));

            // The etag the update consumed, at the version it used: refused.
            Assert.False(await table.UpdateRow(changed, etagBefore, updated));
            data = await table.ReadAll();
            var (row, etagAfter) = data.TryGet(entry.SiloAddress)!;
            Tables.AssertSame(changed, row);
            Assert.NotEqual(etagBefore, etagAfter);

            // The fresh etag at the used version: refused, and nothing moved.
            Assert.False(await table.UpdateRow(changed, etagAfter, updated));
            data = await table.ReadAll();
            Assert.Equal(etagAfter, data.TryGet(entry.SiloAddress)!.Item2);
            Assert.Equal(updated.Version, data.Version.Version);
            Assert.Equal(count, data.Members.Count);
        }
    }

    [Fact]
    public async Task Twenty_writers_insert_one_row_once_then_update_it_in_turn_one_version_each()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("parallel");
        var clusterId = Tables.NewClusterId("parallel");
        var tables = Enumerable.Range(0, 20).Select(_ => Tables.Create(fixture, ns, clusterId)).ToList();
        try
        {
            await tables[0].InitializeMembershipTable(true);
            var entry = Tables.Entry();
            var next = (await tables[0].ReadAll()).Version.Next();

            var inserts = await Task.WhenAll(tables.Select(t => Task.Run(() => t.InsertRow(entry, next))));
            Assert.Equal(1, inserts.Count(ok => ok));

            using var deadline = new CancellationTokenSource(Deadline);
            await Task.WhenAll(tables.Skip(1).Select(t => Task.Run(async () =>
            {
                while (true)
                {
                    deadline.Token.ThrowIfCancellationRequested();
                    var data = await t.ReadAll();
                    var (row, etag) = data.TryGet(entry.SiloAddress)!;
                    if (await t.UpdateRow(row, etag, data.Version.Next()))
                    {
                        return;
                    }
                }
            })));

            var final = await tables[0].ReadAll();
            Assert.Equal(20, final.Version.Version);
            Tables.AssertSame(entry, Assert.Single(final.Members).Item1);
        }
        finally
        {
            tables.ForEach(t => t.Dispose());
        }
    }

    [Fact]
    public async Task Under_concurrent_writers_heartbeats_and_stale_writers_every_version_is_exactly_one_successful_write()
    {
        const int Silos = 5;
        const int UpdatesPerSilo = 4;
        var ns = await fixture.Kube.CreateNamespaceAsync("mixed");
        var clusterId = Tables.NewClusterId("mixed");
        var tables = Enumerable.Range(0, Silos + 1).Select(_ => Tables.Create(fixture, ns, clusterId)).ToList();
        try
        {
            await tables[0].InitializeMembershipTable(true);
            var entries = Enumerable.Range(0, Silos).Select(_ => Tables.Entry()).ToList();
            var versionsWon = new ConcurrentBag<int>();
            var lastWritten = new ConcurrentDictionary<SiloAddress, MembershipEntry>();
            var staleRefusals = 0;
            using var deadline = new CancellationTokenSource(Deadline);
            using var writersDone = new CancellationTokenSource();
            var inserted = entries.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();

            // Each silo writes its own row (an insert, then updates) the way Orleans does: read, try at the next version,
            // start over after losing; a heartbeat loop per silo runs until every writer is done.
            var writers = Enumerable.Range(0, Silos).Select(i => Task.Run(async () =>
            {
                var table = tables[i];
                var entry = entries[i];
                for (var step = 0; step <= UpdatesPerSilo; step++)
                {
                    var wanted = step == 0 ? entry : Tables.With(entry, step % 2 == 0 ? SiloStatus.Active : SiloStatus.ShuttingDown);
                    wanted.SuspectTimes = [Tuple.Create(entries[(i + 1) % Silos].SiloAddress, entry.StartTime.AddMinutes(step))];
                    while (true)
                    {
                        deadline.Token.ThrowIfCancellationRequested();
                        var data = await table.ReadAll();
                        var own = data.TryGet(entry.SiloAddress);
                        var ok = step == 0
                            ? await table.InsertRow(wanted, data.Version.Next())
                            : await table.UpdateRow(wanted, own!.Item2, data.Version.Next());
                        if (ok)
                        {
                            versionsWon.Add(data.Version.Version + 1);
                            lastWritten[entry.SiloAddress] = wanted;
                            inserted[i].TrySetResult();
                            break;
                        }
                    }
                }
            })).ToList();
            var heartbeats = Enumerable.Range(0, Silos).Select(i => Task.Run(async () =>
            {
                var table = tables[i];
                await inserted[i].Task.WaitAsync(deadline.Token);
                for (var beat = 1; !writersDone.IsCancellationRequested; beat++)
                {
                    deadline.Token.ThrowIfCancellationRequested();
                    await table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entries[i].SiloAddress, IAmAliveTime = entries[i].IAmAliveTime.AddSeconds(beat) });
                }
            })).ToList();

            // A writer holding a row etag no row has: always refused, and never moving the version.
            var stale = Task.Run(async () =>
            {
                var table = tables[Silos];
                while (!writersDone.IsCancellationRequested)
                {
                    deadline.Token.ThrowIfCancellationRequested();
                    var data = await table.ReadAll();
                    if (data.Members.Count == 0)
                    {
                        continue;
                    }

                    var (row, etag) = data.Members[0];
                    Assert.False(await table.UpdateRow(Tables.With(row, SiloStatus.Dead), etag + "-stale", data.Version.Next()));
                    Interlocked.Increment(ref staleRefusals);
                }
            });

            var writes = Silos * (UpdatesPerSilo + 1);
            try
            {
                await Task.WhenAll(writers);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"only {versionsWon.Count} of {writes} writes succeeded within {Deadline} (won versions: {string.Join(',', versionsWon.Order())})");
            }

            await writersDone.CancelAsync();
            await Task.WhenAll(heartbeats.Append(stale));

            var final = await tables[0].ReadAll();
            Assert.True(staleRefusals > 0);
            Assert.Equal(writes, versionsWon.Count);
            Assert.Equal(Enumerable.Range(1, writes), versionsWon.Order());
            Assert.Equal(writes, final.Version.Version);
            Assert.Equal(Silos, final.Members.Count);
            foreach (var (row, _) in final.Members)
            {
                var expected = lastWritten[row.SiloAddress];
                Tables.AssertSame(Tables.With(expected, expected.Status, row.IAmAliveTime), row);
            }
        }
        finally
        {
            tables.ForEach(t => t.Dispose());
        }
    }
}
