using AgentJobSync.Grains.Storage;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// Each write shape the grain uses, on the real MongoDB-wire server: the effect MongoDB would have, without the
/// features FerretDB v1 lacks (positional <c>$</c>, <c>arrayFilters</c>, <c>$pull</c> by condition).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class WriteShapeTests(DatabaseFixture db)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Insert_if_absent_leaves_one_entry_under_concurrent_retries_from_separate_clients()
    {
        var (_, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var uid = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1")));
        var stores = Enumerable.Range(0, 8).Select(_ => db.NewStoreOn(users)).ToList();

        var results = await Task.WhenAll(stores.SelectMany(s => Enumerable.Range(0, 3).Select(_ => s.InsertIfAbsentAsync(owner, Documents.Entry(uid), null, None))));

        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal(1, Documents.CountEntries(user, uid));
        Assert.Equal(1, results.Count(inserted => inserted));
        Assert.Equal("m1", Documents.Jobs(user)[0]["id"].AsString);
    }

    [Fact]
    public async Task Insert_creates_the_jobs_array_when_the_user_has_none_and_reports_a_missing_user()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(new BsonDocument { { "id", owner }, { "compute_credits", 5 } });

        Assert.True(await store.InsertIfAbsentAsync(owner, Documents.Entry("job-a"), expectedLength: 0, None));
        Assert.False(await store.InsertIfAbsentAsync(Guid.NewGuid().ToString(), Documents.Entry("job-b"), null, None));

        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal(1, Documents.CountEntries(user, "job-a"));
        Assert.Equal(5, user["compute_credits"].ToInt32());
    }

    [Fact]
    public async Task Append_without_a_read_returns_the_array_with_the_entry_and_appends_nothing_when_it_is_there_or_the_user_is_not()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1")));

        var appended = await store.AppendAsync(owner, Documents.Entry("job-a"), None);
        var again = await store.AppendAsync(owner, Documents.Entry("job-a", "Executing"), None);
        var nobody = await store.AppendAsync(Guid.NewGuid().ToString(), Documents.Entry("job-b"), None);

        Assert.NotNull(appended);
        Assert.Equal([1], appended.Positions);
        Assert.Equal(2, appended.Length);
        Assert.Equal("job-a", appended.Entry!["id"].AsString);
        Assert.Null(again);
        Assert.Null(nobody);
        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal(1, Documents.CountEntries(user, "job-a"));
        Assert.Equal("m1", Documents.Jobs(user)[0]["id"].AsString);
    }

    [Fact]
    public async Task Concurrent_appends_without_a_read_leave_one_entry()
    {
        var (_, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1")));
        var stores = Enumerable.Range(0, 8).Select(_ => db.NewStoreOn(users)).ToList();

        var results = await Task.WhenAll(stores.Select(s => s.AppendAsync(owner, Documents.Entry("job-a"), None)));

        Assert.Single(results, r => r is not null);
        Assert.Equal(1, Documents.CountEntries(await Documents.ReadUserAsync(users, owner), "job-a"));
    }

    [Fact]
    public async Task Insert_with_a_length_guard_appends_only_at_the_expected_length()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1"), Documents.ManagerEntry("m2")));

        Assert.False(await store.InsertIfAbsentAsync(owner, Documents.Entry("job-a"), expectedLength: 1, None));
        Assert.False(await store.InsertIfAbsentAsync(owner, Documents.Entry("job-a"), expectedLength: 3, None));
        Assert.True(await store.InsertIfAbsentAsync(owner, Documents.Entry("job-a"), expectedLength: 2, None));

        var read = await store.ReadAsync(owner, "job-a", None);
        Assert.Equal([2], read.Snapshot.Positions);
    }

    [Fact]
    public async Task An_update_guarded_by_id_and_revision_touches_only_its_element_and_misses_when_stale()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1"), Documents.Entry("job-a", revision: 3), Documents.ManagerEntry("m2")));
        var before = await Documents.ReadUserAsync(users, owner);

        Assert.NotNull(await store.UpdateEntryAsync(owner, 1, "job-a", EntryRevision.Of(3), new BsonDocument("status", "Executing"), None));
        Assert.Null(await store.UpdateEntryAsync(owner, 1, "job-a", EntryRevision.Of(3), new BsonDocument("status", "Pending"), None));

        var after = await Documents.ReadUserAsync(users, owner);
        var entry = after["jobs"][1].AsBsonDocument;
        Assert.Equal("Executing", entry["status"].AsString);
        Assert.Equal(4, entry[JobEntryFields.Revision].ToInt64());
        Assert.Equal(before["jobs"][0], after["jobs"][0]);
        Assert.Equal(before["jobs"][2], after["jobs"][2]);
        Assert.Equal(before["jobs"][1]["job_name"], entry["job_name"]);
    }

    [Fact]
    public async Task An_update_at_an_index_that_shifted_misses_instead_of_writing_another_element()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var manager = Documents.ManagerEntry("m1");
        await users.InsertOneAsync(Documents.User(owner, manager, Documents.Entry("job-a"), Documents.Entry("job-b")));
        var read = await store.ReadAsync(owner, "job-a", None);

        // The manager removes its own entry before ours: every later element moves down by one.
        await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$pull", new BsonDocument("jobs", manager)));
        var missed = await store.UpdateEntryAsync(owner, read.Snapshot.Positions[0], "job-a", EntryRevision.Of(1), new BsonDocument("status", "Complete"), None);
        var reread = await store.ReadAsync(owner, "job-a", None);
        var applied = await store.UpdateEntryAsync(owner, reread.Snapshot.Positions[0], "job-a", reread.Snapshot.EntryRevision, new BsonDocument("status", "Complete"), None);

        Assert.Null(missed);
        Assert.NotNull(applied);
        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal("Complete", user["jobs"][0]["status"].AsString);
        Assert.Equal("job-b", user["jobs"][1]["id"].AsString);
        Assert.Equal("New", user["jobs"][1]["status"].AsString);
    }

    [Fact]
    public async Task An_entry_without_a_revision_is_claimed_by_a_write_guarded_on_its_absence()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.Entry("job-a", "Pending", revision: null)));
        var read = await store.ReadAsync(owner, "job-a", None);

        Assert.Equal(EntryRevision.Absent, read.Snapshot.EntryRevision);
        Assert.NotNull(await store.UpdateEntryAsync(owner, 0, "job-a", EntryRevision.Absent, new BsonDocument("status", "Executing"), None));
        Assert.Null(await store.UpdateEntryAsync(owner, 0, "job-a", EntryRevision.Absent, new BsonDocument("status", "Executing"), None));

        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal(1, user["jobs"][0][JobEntryFields.Revision].ToInt64());
    }

    // A write decided from a remembered entry reads nothing first: the array it returns is where a copy of the entry that
    // another writer appended since the last read shows.
    [Fact]
    public async Task An_update_returns_the_jobs_as_it_left_them_with_a_copy_another_writer_appended()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner, Documents.ManagerEntry("m1"), Documents.Entry("job-a", "Pending", revision: 1)));
        await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$push", new BsonDocument("jobs", Documents.Entry("job-a", revision: null))));

        var after = await store.UpdateEntryAsync(owner, 1, "job-a", EntryRevision.Of(1), new BsonDocument("status", "Executing"), None);

        Assert.NotNull(after);
        Assert.Equal([1, 2], after.Positions);
        Assert.Equal("Executing", after.Entry!["status"].AsString);
        Assert.Equal(2, after.Entry[JobEntryFields.Revision].ToInt64());
        Assert.Equal(3, after.Length);
    }

    [Fact]
    public async Task Extra_copies_are_removed_in_one_update_keeping_the_first_and_leaving_no_nulls()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var copy = Documents.Entry("job-a", "Pending", revision: null);
        await users.InsertOneAsync(Documents.User(owner,
            Documents.ManagerEntry("m1"), copy, Documents.ManagerEntry("m2"), copy.DeepClone().AsBsonDocument, Documents.Entry("job-a", "Executing", revision: null)));
        var read = await store.ReadAsync(owner, "job-a", None);

        Assert.Equal([1, 3, 4], read.Snapshot.Positions);
        Assert.True(await store.RemoveExtraCopiesAsync(owner, read.Snapshot, keep: 1, None));

        var user = await Documents.ReadUserAsync(users, owner);
        var jobs = Documents.Jobs(user);
        Assert.Equal(["m1", "job-a", "m2"], jobs.Select(j => j["id"].AsString));
        Assert.Equal("Pending", jobs[1]["status"].AsString);
        Assert.DoesNotContain(jobs, j => j.IsBsonNull);
    }

    [Fact]
    public async Task Copies_can_be_reduced_to_a_later_element_the_one_just_written()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        await users.InsertOneAsync(Documents.User(owner,
            Documents.Entry("job-a", "Pending", revision: null), Documents.ManagerEntry("m1"), Documents.Entry("job-a", "Executing", revision: 4)));
        var read = await store.ReadAsync(owner, "job-a", None);

        Assert.True(await store.RemoveExtraCopiesAsync(owner, read.Snapshot, keep: 2, None));
        Assert.False(await store.RemoveExtraCopiesAsync(owner, read.Snapshot, keep: 1, None));

        var jobs = Documents.Jobs(await Documents.ReadUserAsync(users, owner));
        Assert.Equal(["m1", "job-a"], jobs.Select(j => j["id"].AsString));
        Assert.Equal(4, jobs[1][JobEntryFields.Revision].ToInt64());
    }

    [Fact]
    public async Task Copy_removal_writes_nothing_when_the_array_changed_since_it_was_read()
    {
        var (store, users) = db.NewStore();
        var owner = Guid.NewGuid().ToString();
        var copy = Documents.Entry("job-a");
        await users.InsertOneAsync(Documents.User(owner, copy, copy.DeepClone().AsBsonDocument));
        var read = await store.ReadAsync(owner, "job-a", None);

        await users.UpdateOneAsync(new BsonDocument("id", owner), new BsonDocument("$push", new BsonDocument("jobs", Documents.ManagerEntry("m-late"))));
        var removed = await store.RemoveExtraCopiesAsync(owner, read.Snapshot, keep: 0, None);

        Assert.False(removed);
        var user = await Documents.ReadUserAsync(users, owner);
        Assert.Equal(["job-a", "job-a", "m-late"], Documents.Jobs(user).Select(j => j["id"].AsString));
    }

    [Fact]
    public async Task A_read_reports_a_missing_user_a_missing_array_and_a_jobs_field_that_is_not_an_array()
    {
        var (store, users) = db.NewStore();
        var noJobs = Guid.NewGuid().ToString();
        var nullJobs = Guid.NewGuid().ToString();
        await users.InsertManyAsync([new BsonDocument("id", noJobs), new BsonDocument { { "id", nullJobs }, { "jobs", BsonNull.Value } }]);

        var missingUser = await store.ReadAsync(Guid.NewGuid().ToString(), "job-a", None);
        var missingArray = await store.ReadAsync(noJobs, "job-a", None);
        var nullArray = await store.ReadAsync(nullJobs, "job-a", None);

        Assert.False(missingUser.UserFound);
        Assert.True(missingArray.UserFound);
        Assert.True(missingArray.Snapshot.CanHoldEntries);
        Assert.True(nullArray.UserFound);
        Assert.False(nullArray.Snapshot.CanHoldEntries);
    }
}
