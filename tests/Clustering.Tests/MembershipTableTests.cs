using System.Collections.Concurrent;
using AgentJobSync.TestHarness;
using Orleans;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>
/// The <see cref="IMembershipTable"/> contract, as Orleans' own MembershipTableTestsBase checks it, against the real
/// API server: each test has its own namespace and cluster id.
/// </summary>
[Collection(ClusteringCollection.Name)]
public sealed class MembershipTableTests(ControlPlaneFixture fixture)
{
    [Fact]
    public async Task Initialize_is_idempotent_and_a_new_table_is_empty_at_version_0()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("init");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("init"));
        await table.InitializeMembershipTable(true);
        var first = await table.ReadAll();
        await table.InitializeMembershipTable(true);
        await table.InitializeMembershipTable(false);
        var second = await table.ReadAll();

        Assert.Empty(first.Members);
        Assert.Equal(0, first.Version.Version);
        Assert.False(string.IsNullOrEmpty(first.Version.VersionEtag));
        Assert.Equal(first.Version, second.Version);
        Assert.Empty(second.Members);
    }

    [Fact]
    public async Task Without_a_version_object_the_first_insert_creates_it_and_only_one_such_insert_wins()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("noversion");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("noversion"));
        await table.InitializeMembershipTable(false);
        var empty = await table.ReadAll();
        Assert.Equal(new Orleans.TableVersion(0, ""), empty.Version);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => table.InsertRow(Tables.Entry(), empty.Version.Next()))));

        Assert.Equal(1, results.Count(r => r));
        var all = await table.ReadAll();
        Assert.Single(all.Members);
        Assert.Equal(1, all.Version.Version);
        Assert.False(string.IsNullOrEmpty(all.Version.VersionEtag));
    }

    [Fact]
    public async Task InsertRow_then_ReadRow_and_ReadAll_round_trip_every_field()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("insert");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("insert"));
        await table.InitializeMembershipTable(true);
        var empty = await table.ReadAll();
        var entry = Tables.Entry();

        Assert.True(await table.InsertRow(entry, empty.Version.Next()));

        var row = await table.ReadRow(entry.SiloAddress);
        var all = await table.ReadAll();
        var (readEntry, etag) = Assert.Single(row.Members);
        Tables.AssertSame(entry, readEntry);
        Assert.Equal(1, row.Version.Version);
        Assert.NotEqual(empty.Version.VersionEtag, row.Version.VersionEtag);
        var (listed, listedEtag) = Assert.Single(all.Members);
        Tables.AssertSame(entry, listed);
        Assert.Equal(etag, listedEtag);
        Assert.Equal(row.Version, all.Version);
        Assert.Empty((await table.ReadRow(Tables.NewSiloAddress())).Members);
    }

    [Fact]
    public async Task InsertRow_of_an_existing_row_is_rejected_and_leaves_the_row_unchanged()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("dup");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("dup"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));

        var current = await table.ReadAll();
        Assert.False(await table.InsertRow(Tables.With(entry, SiloStatus.Active), current.Version.Next()));

        var after = await table.ReadAll();
        var (row, etag) = Assert.Single(after.Members);
        Assert.Equal(SiloStatus.Joining, row.Status);
        Assert.Equal(current.Members[0].Item2, etag);
    }

    [Fact]
    public async Task Concurrent_inserts_at_the_same_table_version_exactly_one_wins()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("race");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("race"));
        await table.InitializeMembershipTable(true);
        var next = (await table.ReadAll()).Version.Next();
        var entries = Enumerable.Range(0, 10).Select(_ => Tables.Entry()).ToList();

        var results = await Task.WhenAll(entries.Select(e => Task.Run(() => table.InsertRow(e, next))));

        Assert.Equal(1, results.Count(r => r));
        var winner = entries[Array.IndexOf(results, true)];
        var all = await table.ReadAll();
        var (row, _) = Assert.Single(all.Members);
        Assert.Equal(winner.SiloAddress, row.SiloAddress);
        Assert.Equal(next.Version, all.Version.Version);
    }

    [Fact]
    public async Task UpdateRow_with_a_stale_row_etag_is_rejected_and_a_fresh_one_accepted()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("rowetag");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("rowetag"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var v1 = await table.ReadAll();
        var staleEtag = v1.Members[0].Item2;
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Active), staleEtag, v1.Version.Next()));
        var v2 = await table.ReadAll();

        Assert.False(await table.UpdateRow(Tables.With(entry, SiloStatus.Dead), staleEtag, v2.Version.Next()));
        Assert.False(await table.UpdateRow(Tables.With(entry, SiloStatus.Dead), "", v2.Version.Next()));

        var v3 = await table.ReadAll();
        Assert.Equal(SiloStatus.Active, Assert.Single(v3.Members).Item1.Status);
        Assert.Equal(v2.Members[0].Item2, v3.Members[0].Item2);
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Dead), v3.Members[0].Item2, v3.Version.Next()));
        Assert.Equal(SiloStatus.Dead, Assert.Single((await table.ReadRow(entry.SiloAddress)).Members).Item1.Status);
    }

    [Fact]
    public async Task UpdateRow_and_InsertRow_with_a_stale_table_version_are_rejected()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("tableetag");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("tableetag"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        var v0 = await table.ReadAll();
        Assert.True(await table.InsertRow(entry, v0.Version.Next()));
        var v1 = await table.ReadAll();
        var other = Tables.Entry();
        Assert.True(await table.InsertRow(other, v1.Version.Next()));

        // v1's version etag is stale now, though the row etag of the entry is current.
        Assert.False(await table.UpdateRow(Tables.With(entry, SiloStatus.Active), v1.Members[0].Item2, v1.Version.Next()));
        Assert.False(await table.InsertRow(Tables.Entry(), v1.Version.Next()));
        Assert.False(await table.InsertRow(Tables.Entry(), v0.Version.Next()));

        var v2 = await table.ReadAll();
        Assert.Equal(2, v2.Members.Count);
        Assert.All(v2.Members, m => Assert.Equal(SiloStatus.Joining, m.Item1.Status));
    }

    [Fact]
    public async Task UpdateIAmAlive_changes_only_IAmAliveTime_and_not_the_version()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("alive");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("alive"));
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();
        var alive = entry.IAmAliveTime.AddMinutes(3).AddTicks(17);

        // Every other field of the argument differs: only IAmAliveTime may be taken from it.
        var changed = Tables.With(entry, SiloStatus.Dead, alive);
        changed.HostName = "other-host";
        changed.ProxyPort = 1;
        changed.SuspectTimes = null;
        await table.UpdateIAmAlive(changed);

        var after = await table.ReadAll();
        Assert.Equal(before.Version, after.Version);
        var expected = Tables.With(entry, entry.Status, alive);
        Tables.AssertSame(expected, Assert.Single(after.Members).Item1);
        await Assert.ThrowsAnyAsync<Exception>(() => table.UpdateIAmAlive(Tables.Entry()));
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_removes_only_rows_not_active_and_last_updated_before_the_date()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("cleanup");
        using var table = Tables.Create(fixture, ns, Tables.NewClusterId("cleanup"));
        await table.InitializeMembershipTable(true);
        var cutoff = new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var oldDead = Aged(Tables.Entry(status: SiloStatus.Dead), cutoff.AddDays(-2));
        var oldJoining = Aged(Tables.Entry(status: SiloStatus.Joining), cutoff.AddDays(-2));
        var oldStopping = Aged(Tables.Entry(status: SiloStatus.Stopping), cutoff.AddTicks(-1));
        var newDead = Aged(Tables.Entry(status: SiloStatus.Dead), cutoff.AddHours(1));
        var oldActive = Aged(Tables.Entry(status: SiloStatus.Active), cutoff.AddDays(-2));
        var oldDeadRecentVote = Aged(Tables.Entry(status: SiloStatus.Dead), cutoff.AddDays(-2));
        oldDeadRecentVote.SuspectTimes = [Tuple.Create(Tables.NewSiloAddress(), cutoff.AddMinutes(1))];
        var oldDeadRecentStart = Aged(Tables.Entry(status: SiloStatus.Dead), cutoff.AddDays(-2));
        oldDeadRecentStart.StartTime = cutoff.AddMinutes(1);

        // The last insert is old and dead too: the row named by the table's latest write goes like any other.
        var all = new[] { newDead, oldActive, oldDeadRecentVote, oldDeadRecentStart, oldJoining, oldStopping, oldDead };
        foreach (var entry in all)
        {
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        }

        var before = await table.ReadAll();
        await table.CleanupDefunctSiloEntries(new DateTimeOffset(cutoff));

        var after = await table.ReadAll();
        Assert.Equal(
            new[] { newDead, oldActive, oldDeadRecentVote, oldDeadRecentStart }.Select(e => e.SiloAddress).ToHashSet(),
            after.Members.Select(m => m.Item1.SiloAddress).ToHashSet());
        Assert.All(after.Members, m => Assert.Equal(before.TryGet(m.Item1.SiloAddress)!.Item2, m.Item2));
        Assert.True(after.Version.Version > before.Version.Version);

        static MembershipEntry Aged(MembershipEntry entry, DateTime at)
        {
            entry.StartTime = at.AddMinutes(-10);
            entry.IAmAliveTime = at;
            entry.SuspectTimes = null;
            return entry;
        }
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_removes_only_that_clusters_rows()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("delete");
        var doomedId = Tables.NewClusterId("doomed");
        using var doomed = Tables.Create(fixture, ns, doomedId);
        using var kept = Tables.Create(fixture, ns, Tables.NewClusterId("kept"));
        foreach (var table in new[] { doomed, kept })
        {
            await table.InitializeMembershipTable(true);
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await table.InsertRow(Tables.Entry(), (await table.ReadAll()).Version.Next()));
            }
        }

        var keptBefore = await kept.ReadAll();
        await doomed.DeleteMembershipTableEntries(doomedId);

        Assert.Empty((await doomed.ReadAll()).Members);
        var keptAfter = await kept.ReadAll();
        Assert.Equal(3, keptAfter.Members.Count);
        Assert.Equal(keptBefore.Version, keptAfter.Version);
    }

    [Fact]
    public async Task Twenty_silos_joining_at_once_all_get_in_each_at_its_own_increasing_version()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("join");
        var clusterId = Tables.NewClusterId("join");
        await using var tables = new TableSet(fixture, ns, clusterId, 20);
        await tables[0].InitializeMembershipTable(true);
        var won = new ConcurrentBag<int>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            // What a joining silo does: read, try at the next version, and start over after losing the race.
            var table = tables[i];
            await table.InitializeMembershipTable(true);
            var entry = Tables.Entry();
            while (true)
            {
                deadline.Token.ThrowIfCancellationRequested();
                var snapshot = await table.ReadAll();
                Assert.Null(snapshot.TryGet(entry.SiloAddress));
                if (await table.InsertRow(entry, snapshot.Version.Next()))
                {
                    won.Add(snapshot.Version.Version + 1);
                    return;
                }
            }
        })));

        var final = await tables[0].ReadAll();
        Assert.Equal(20, final.Members.Count);
        Assert.Equal(20, won.Count);
        Assert.Equal(20, won.Distinct().Count());
        Assert.True(final.Version.Version >= won.Max());
    }

    /// <summary>One table object per simulated silo, as each silo process would have its own.</summary>
    private sealed class TableSet(ControlPlaneFixture fixture, string ns, string clusterId, int count) : IAsyncDisposable
    {
        private readonly List<Kubernetes.KubernetesMembershipTable> tables =
            [.. Enumerable.Range(0, count).Select(_ => Tables.Create(fixture, ns, clusterId))];

        public Kubernetes.KubernetesMembershipTable this[int index] => tables[index];

        public ValueTask DisposeAsync()
        {
            tables.ForEach(t => t.Dispose());
            return ValueTask.CompletedTask;
        }
    }
}
