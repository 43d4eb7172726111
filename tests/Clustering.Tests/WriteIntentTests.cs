using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentJobSync.Clustering.Kubernetes;
using AgentJobSync.Clustering.Kubernetes.Resources;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>
/// The atomicity argument: a writer that dies between bumping the version and writing the row leaves an intent that
/// the next reader completes (or, if its precondition no longer holds, ignores), so no reader ever reports a version
/// without the row change made at it; and a reader that settles an intent late never undoes what came after it.
/// </summary>
[Collection(ClusteringCollection.Name)]
public sealed class WriteIntentTests(ControlPlaneFixture fixture)
{
    private const string Group = KubernetesMembershipOptions.DefaultGroup;

    private IKubernetes Client => fixture.Kube.Client;

    [Fact]
    public async Task An_insert_intent_left_by_a_crashed_writer_is_completed_by_the_next_reader()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("intent");
        var clusterId = Tables.NewClusterId("intent");
        using var table = Tables.Create(fixture, ns, clusterId);
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        var siloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress);

        // The writer's first step only: the version object now says version 1 with the insert as its intent.
        await WriteIntentAsync(ns, clusterId, 1, new WriteIntent { Id = "crashed-1", SiloObject = siloObject, Entry = EntryMapper.ToSpec(entry) });
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", ns, MembershipObjects.SiloPlural, siloObject));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);

        var all = await table.ReadAll();

        Assert.Equal(1, all.Version.Version);
        Tables.AssertSame(entry, Assert.Single(all.Members).Item1);
        var stored = await Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", ns, MembershipObjects.SiloPlural, siloObject);
        Assert.Equal("crashed-1", stored["spec"]!["writeId"]!.GetValue<string>());
        Assert.Equal(1, stored["spec"]!["tableVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_update_intent_whose_row_etag_no_longer_matches_is_ignored_and_only_the_version_moves()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("deadintent");
        var clusterId = Tables.NewClusterId("deadintent");
        using var table = Tables.Create(fixture, ns, clusterId);
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var v1 = await table.ReadAll();
        Assert.True(await table.UpdateRow(Tables.With(entry, SiloStatus.Active), v1.Members[0].Item2, v1.Version.Next()));

        await WriteIntentAsync(ns, clusterId, 3, new WriteIntent
        {
            Id = "stale-3",
            SiloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress),
            ExpectedEtag = v1.Members[0].Item2,
            Entry = EntryMapper.ToSpec(Tables.With(entry, SiloStatus.Dead)),
        });
        var after = await table.ReadAll();

        Assert.Equal(3, after.Version.Version);
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
    }

    [Fact]
    public async Task An_intent_of_the_previous_format_is_left_to_its_own_writer()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("oldintent");
        var clusterId = Tables.NewClusterId("oldintent");
        using var table = Tables.Create(fixture, ns, clusterId);
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var v1 = await table.ReadAll();
        var siloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress);
        var stored = await Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", ns, MembershipObjects.SiloPlural, siloObject);

        // Conditioned on the row's resourceVersion, as the previous release wrote intents; that writer applies it itself.
        await WriteIntentAsync(ns, clusterId, 2, new WriteIntent
        {
            Id = "old-2",
            SiloObject = siloObject,
            ExpectedResourceVersion = stored["metadata"]!["resourceVersion"]!.GetValue<string>(),
            Entry = EntryMapper.ToSpec(Tables.With(entry, SiloStatus.Dead)),
        });
        var after = await table.ReadAll();

        Assert.Equal(2, after.Version.Version);
        var (row, etag) = Assert.Single(after.Members);
        Assert.Equal(SiloStatus.Joining, row.Status);
        Assert.Equal(v1.Members[0].Item2, etag);
    }

    [Fact]
    public async Task A_reader_holding_an_old_insert_intent_does_not_recreate_the_row_removed_since()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("lateintent");
        var clusterId = Tables.NewClusterId("lateintent");
        using var table = Tables.Create(fixture, ns, clusterId);
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry(status: SiloStatus.Dead);
        entry.SuspectTimes = null;
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var objects = new MembershipObjects(Client, ns, Group);
        var lateView = await objects.GetVersionAsync(ResourceNames.VersionObject(clusterId), CancellationToken.None);
        await table.CleanupDefunctSiloEntries(new DateTimeOffset(entry.IAmAliveTime.AddDays(1), TimeSpan.Zero));
        Assert.Empty((await table.ReadAll()).Members);
        var other = Tables.Entry();
        Assert.True(await table.InsertRow(other, (await table.ReadAll()).Version.Next()));

        // A reader that read version 1 (whose intent inserted the row) before the removal, and settles it only now.
        var settled = await new WriteIntents(objects, 10).SettleAsync(lateView!, CancellationToken.None);

        Assert.True(settled);
        Assert.Equal(other.SiloAddress, Assert.Single((await table.ReadAll()).Members).Item1.SiloAddress);
        Assert.Null(await objects.GetSiloAsync(ResourceNames.SiloObject(clusterId, entry.SiloAddress), CancellationToken.None));
    }

    [Fact]
    public async Task Readers_racing_the_writer_to_complete_one_intent_apply_it_once()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("raceintent");
        var clusterId = Tables.NewClusterId("raceintent");
        using var table = Tables.Create(fixture, ns, clusterId);
        await table.InitializeMembershipTable(true);
        var entry = Tables.Entry();
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var v1 = await table.ReadAll();
        await WriteIntentAsync(ns, clusterId, 2, new WriteIntent
        {
            Id = "raced-2",
            SiloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress),
            ExpectedEtag = v1.Members[0].Item2,
            Entry = EntryMapper.ToSpec(Tables.With(entry, SiloStatus.Active)),
        });

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(table.ReadAll)));

        Assert.All(reads, r =>
        {
            Assert.Equal(2, r.Version.Version);
            Assert.Equal(SiloStatus.Active, Assert.Single(r.Members).Item1.Status);
        });
        Assert.Single(reads.Select(r => r.Members[0].Item2).Distinct());
    }

    private async Task WriteIntentAsync(string ns, string clusterId, int version, WriteIntent intent)
    {
        var name = ResourceNames.VersionObject(clusterId);
        var current = await Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, "v1", ns, MembershipObjects.VersionPlural, name);
        current["spec"]!["version"] = version;
        current["spec"]!["intent"] = JsonSerializer.SerializeToNode(intent);
        await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(current, Group, "v1", ns, MembershipObjects.VersionPlural, name);
    }
}
