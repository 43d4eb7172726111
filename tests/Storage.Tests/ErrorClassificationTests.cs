using System.Net;
using AgentJobSync.Grains.Storage;
using AgentJobSync.TestHarness;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace AgentJobSync.Storage.Tests;

/// <summary>
/// <see cref="MongoErrorClassifier"/> on the errors the real MongoDB-wire server (FerretDB v1) and the driver actually
/// raise, provoked with the write shapes that cause them; and, for codes the test server never returns (validation,
/// failover, write concern), on exceptions built the way the driver builds them from a server reply.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ErrorClassificationTests(DatabaseFixture db)
{
    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017)));

    [Fact]
    public async Task A_document_above_16_MiB_is_refused_by_the_driver_and_is_permanent_document_too_large()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "jobs", new BsonArray() } });
        var huge = new string('x', (16 * 1024 * 1024) + (64 * 1024));

        var insert = await Assert.ThrowsAsync<FormatException>(() => users.InsertOneAsync(new BsonDocument { { "id", "u2" }, { "blob", huge } }));
        var push = await Assert.ThrowsAsync<FormatException>(() => users.UpdateOneAsync(
            new BsonDocument("id", "u1"), new BsonDocument("$push", new BsonDocument("jobs", huge))));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, null, null, "document_too_large"), MongoErrorClassifier.Classify(insert));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, null, null, "document_too_large"), MongoErrorClassifier.Classify(push));
    }

    [Fact]
    public async Task Push_to_a_field_that_is_a_string_or_null_is_permanent_bad_value()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "text", "a string" }, { "nothing", BsonNull.Value } });

        var onString = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(
            new BsonDocument("id", "u1"), new BsonDocument("$push", new BsonDocument("text", 1))));
        var onNull = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(
            new BsonDocument("id", "u1"), new BsonDocument("$push", new BsonDocument("nothing", 1))));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 2, "BadValue", "bad_value"), MongoErrorClassifier.Classify(onString));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 2, "BadValue", "bad_value"), MongoErrorClassifier.Classify(onNull));
    }

    [Fact]
    public async Task Inc_on_a_string_is_permanent_type_mismatch_from_update_find_and_modify_and_bulk_write()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "text", "a string" } });
        var filter = new BsonDocument("id", "u1");
        var inc = new BsonDocument("$inc", new BsonDocument("text", 1));

        var update = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(filter, inc));
        var findAndModify = await Assert.ThrowsAsync<MongoCommandException>(() => users.FindOneAndUpdateAsync<BsonDocument>(filter, inc));
        var bulk = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(() => users.BulkWriteAsync([new UpdateOneModel<BsonDocument>(filter, inc)]));

        var expected = new MongoErrorClass(MongoErrorKind.Permanent, 14, "TypeMismatch", "type_mismatch");
        Assert.Equal(expected, MongoErrorClassifier.Classify(update));
        Assert.Equal(expected, MongoErrorClassifier.Classify(findAndModify));
        Assert.Equal(expected, MongoErrorClassifier.Classify(bulk));
    }

    [Fact]
    public async Task A_second_insert_with_a_unique_id_is_permanent_duplicate_key()
    {
        var users = NewCollection();
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("id", 1), new CreateIndexOptions { Unique = true, Name = "id_unique" }));
        await users.InsertOneAsync(new BsonDocument("id", "u1"));

        var duplicate = await Assert.ThrowsAsync<MongoWriteException>(() => users.InsertOneAsync(new BsonDocument("id", "u1")));

        Assert.Equal(11000, duplicate.WriteError.Code);
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 11000, "DuplicateKey", "duplicate_key"), MongoErrorClassifier.Classify(duplicate));
    }

    [Fact]
    public async Task Two_operators_on_one_path_are_permanent_conflicting_update()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument("id", "u1"));
        var filter = new BsonDocument("id", "u1");
        var conflicting = new BsonDocument { { "$set", new BsonDocument("x", 1) }, { "$inc", new BsonDocument("x", 1) } };

        var update = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(filter, conflicting));
        var findAndModify = await Assert.ThrowsAsync<MongoCommandException>(() => users.FindOneAndUpdateAsync<BsonDocument>(filter, conflicting));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 40, "ConflictingUpdateOperators", "conflicting_update"), MongoErrorClassifier.Classify(update));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 40, "ConflictingUpdateOperators", "conflicting_update"), MongoErrorClassifier.Classify(findAndModify));
    }

    [Fact]
    public async Task A_path_through_a_scalar_an_empty_field_name_and_a_changed_id_are_permanent()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument { { "id", "u1" }, { "text", "a string" } });
        var filter = new BsonDocument("id", "u1");

        var throughScalar = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(filter, new BsonDocument("$set", new BsonDocument("text.x", 1))));
        var emptyName = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(filter, new BsonDocument("$set", new BsonDocument("a..b", 1))));
        var changedId = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(filter, new BsonDocument("$set", new BsonDocument("_id", 5))));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 28, "PathNotViable", "path_not_viable"), MongoErrorClassifier.Classify(throughScalar));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 56, "EmptyFieldName", "invalid_field_name"), MongoErrorClassifier.Classify(emptyName));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 66, "ImmutableField", "immutable_field"), MongoErrorClassifier.Classify(changedId));
    }

    [Fact]
    public async Task Dollar_prefixed_and_dotted_field_names_are_permanent()
    {
        var users = NewCollection();
        await users.InsertOneAsync(new BsonDocument("id", "u1"));

        var setDollar = await Assert.ThrowsAsync<MongoWriteException>(() => users.UpdateOneAsync(
            new BsonDocument("id", "u1"), new BsonDocument("$set", new BsonDocument("$bad", 1))));
        var insertDotted = await Assert.ThrowsAsync<MongoWriteException>(() => users.InsertOneAsync(new BsonDocument { { "id", "u2" }, { "a.b", 1 } }));

        // FerretDB v1 answers 2 BadValue ("invalid key: ... must not start with '$' / contain '.'"); MongoDB answers
        // field-name codes (52 DollarPrefixedFieldName and the like) or accepts the names (5.0+ stores dotted and
        // nested dollar-prefixed fields). Either way nothing a retry could change.
        foreach (var refused in new[] { setDollar, insertDotted })
        {
            var classified = MongoErrorClassifier.Classify(refused);
            Assert.Equal(MongoErrorKind.Permanent, classified.Kind);
            Assert.Contains(classified.Reason, new[] { "bad_value", "invalid_field_name" });
        }
    }

    [Fact]
    public async Task Unknown_commands_are_permanent_and_unknown_server_codes_are_permanent_unknown_server_error()
    {
        var users = NewCollection();
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("id", 1), new CreateIndexOptions { Unique = true }));
        await users.InsertManyAsync([new BsonDocument("id", "u1"), new BsonDocument("id", "u2")]);

        var unknownCommand = await Assert.ThrowsAsync<MongoCommandException>(() => users.Database.RunCommandAsync<BsonDocument>(new BsonDocument("frobnicate", 1)));
        // An update that would duplicate a unique key: MongoDB answers 11000 DuplicateKey; FerretDB v1 answers code 1
        // InternalError (PostgreSQL's unique violation passed through), a code this service does not decide on.
        var duplicateByUpdate = await Assert.ThrowsAnyAsync<MongoServerException>(() => users.UpdateOneAsync(
            new BsonDocument("id", "u2"), new BsonDocument("$set", new BsonDocument("id", "u1"))));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 59, "CommandNotFound", "not_supported"), MongoErrorClassifier.Classify(unknownCommand));
        var classified = MongoErrorClassifier.Classify(duplicateByUpdate);
        Assert.Equal(MongoErrorKind.Permanent, classified.Kind);
        Assert.Contains(classified.Reason, new[] { "unknown_server_error", "duplicate_key" });
    }

    [Fact]
    public async Task Failed_authentication_is_transient_until_a_person_fixes_the_credentials()
    {
        var settings = MongoWire.CreateSettings(db.Mongo.Url);
        settings.ApplicationName = $"auth-{Guid.NewGuid():N}";
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(5);
        settings.Credential = new MongoCredential("SCRAM-SHA-256", new MongoInternalIdentity("admin", "nobody"), new PasswordEvidence("wrong"));
        using var client = new MongoClient(settings);

        var refused = await Assert.ThrowsAsync<MongoAuthenticationException>(() => client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1)));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 18, "AuthenticationFailed", "authentication_failed"), MongoErrorClassifier.Classify(refused));
    }

    [Fact]
    public async Task A_closed_port_is_a_transient_server_selection_timeout()
    {
        var settings = MongoWire.CreateSettings($"mongodb://127.0.0.1:{PortAllocator.GetFreeTcpPort()}/?directConnection=true");
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(1);
        settings.ConnectTimeout = TimeSpan.FromSeconds(1);
        using var client = new MongoClient(settings);

        var unreachable = await Assert.ThrowsAsync<TimeoutException>(() => client.GetDatabase("x").GetCollection<BsonDocument>("y").InsertOneAsync(new BsonDocument()));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, null, null, "timeout"), MongoErrorClassifier.Classify(unreachable));
    }

    [Fact]
    public async Task A_connection_cut_by_the_fault_proxy_is_transient_network_and_our_deadline_is_transient_timeout()
    {
        await using var faults = await Toxiproxy.StartAsync();
        var toxic = await faults.AddProxyAsync($"cut-{Guid.NewGuid():N}", $"127.0.0.1:{db.Mongo.Proxy.Port}");
        var settings = MongoWire.CreateSettings($"mongodb://{toxic.Listen}/?directConnection=true");
        settings.ApplicationName = $"cut-{Guid.NewGuid():N}";
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(2);
        settings.ConnectTimeout = TimeSpan.FromSeconds(2);
        settings.SocketTimeout = TimeSpan.FromSeconds(5);
        // No retry: the test wants the failure of the call that met the cut, not the outcome of a second attempt.
        settings.RetryReads = false;
        settings.RetryWrites = false;
        using var client = new MongoClient(settings);
        var users = client.GetDatabase(db.NewDatabaseName("errors")).GetCollection<BsonDocument>("users");
        await users.InsertOneAsync(new BsonDocument("id", "u1"));

        await toxic.AddLatencyAsync(5_000);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => users.Find(new BsonDocument("id", "u1")).FirstOrDefaultAsync(deadline.Token));
            Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, null, null, "timeout"), MongoErrorClassifier.Classify(cancelled));
        }

        await toxic.RemoveToxicsAsync();
        await Eventually.UntilAsync(
            async ct => await users.Find(new BsonDocument("id", "u1")).FirstOrDefaultAsync(ct) is not null,
            TimeSpan.FromSeconds(30), "reads work again once the latency is gone");
        await toxic.DisableAsync();
        var cut = await Assert.ThrowsAnyAsync<MongoException>(() => users.Find(new BsonDocument("id", "u1")).FirstOrDefaultAsync());

        Assert.IsAssignableFrom<MongoConnectionException>(cut);
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, null, null, "network"), MongoErrorClassifier.Classify(cut));
    }

    [Theory]
    [InlineData(6, "HostUnreachable", "network")]
    [InlineData(7, "HostNotFound", "network")]
    [InlineData(89, "NetworkTimeout", "network")]
    [InlineData(9001, "SocketException", "network")]
    [InlineData(50, "MaxTimeMSExpired", "timeout")]
    [InlineData(262, "ExceededTimeLimit", "timeout")]
    [InlineData(189, "PrimarySteppedDown", "not_primary")]
    [InlineData(10107, "NotWritablePrimary", "not_primary")]
    [InlineData(11602, "InterruptedDueToReplStateChange", "not_primary")]
    [InlineData(13435, "NotPrimaryNoSecondaryOk", "not_primary")]
    [InlineData(13436, "NotPrimaryOrSecondary", "not_primary")]
    [InlineData(133, "FailedToSatisfyReadPreference", "not_primary")]
    [InlineData(91, "ShutdownInProgress", "shutting_down")]
    [InlineData(11600, "InterruptedAtShutdown", "shutting_down")]
    [InlineData(112, "WriteConflict", "write_conflict")]
    [InlineData(24, "LockTimeout", "write_conflict")]
    [InlineData(46, "LockBusy", "write_conflict")]
    [InlineData(63, "StaleShardVersion", "stale_routing")]
    [InlineData(150, "StaleEpoch", "stale_routing")]
    [InlineData(13388, "StaleConfig", "stale_routing")]
    [InlineData(43, "CursorNotFound", "cursor_lost")]
    [InlineData(234, "RetryChangeStream", "cursor_lost")]
    [InlineData(64, "WriteConcernTimeout", "write_concern")]
    [InlineData(13, "Unauthorized", "unauthorized")]
    [InlineData(18, "AuthenticationFailed", "authentication_failed")]
    public void Server_codes_a_retry_can_overcome_are_transient(int code, string name, string reason)
    {
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, code, name, reason), MongoErrorClassifier.Classify(CommandFailure(code, name)));
    }

    [Theory]
    [InlineData(10334, "BSONObjectTooLarge", "document_too_large")]
    [InlineData(17419, null, "document_too_large")]
    [InlineData(17420, null, "document_too_large")]
    [InlineData(121, "DocumentValidationFailure", "validation_failed")]
    [InlineData(2, "BadValue", "bad_value")]
    [InlineData(9, "FailedToParse", "bad_value")]
    [InlineData(15, "Overflow", "bad_value")]
    [InlineData(16, "InvalidLength", "bad_value")]
    [InlineData(14, "TypeMismatch", "type_mismatch")]
    [InlineData(28, "PathNotViable", "path_not_viable")]
    [InlineData(40, "ConflictingUpdateOperators", "conflicting_update")]
    [InlineData(16837, null, "conflicting_update")]
    [InlineData(52, "DollarPrefixedFieldName", "invalid_field_name")]
    [InlineData(55, "InvalidDBRef", "invalid_field_name")]
    [InlineData(56, "EmptyFieldName", "invalid_field_name")]
    [InlineData(57, "DottedFieldName", "invalid_field_name")]
    [InlineData(66, "ImmutableField", "immutable_field")]
    [InlineData(11000, "DuplicateKey", "duplicate_key")]
    [InlineData(238, "NotImplemented", "not_supported")]
    public void Server_codes_no_retry_can_overcome_are_permanent(int code, string? name, string reason)
    {
        // The server's codeName when it sends one, else the table's; location codes such as 17419 have none.
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, code, name, reason), MongoErrorClassifier.Classify(CommandFailure(code, name)));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, code, name, reason), MongoErrorClassifier.Classify(CommandFailure(code, null)));
    }

    [Fact]
    public void An_unknown_server_code_is_permanent_unless_the_server_labels_it_retryable()
    {
        var unknown = CommandFailure(987654, "SomethingNew");
        var labelled = CommandFailure(987654, "SomethingNew");
        labelled.AddErrorLabel("RetryableWriteError");
        var transaction = CommandFailure(2, "BadValue");
        transaction.AddErrorLabel("TransientTransactionError");

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 987654, "SomethingNew", "unknown_server_error"), MongoErrorClassifier.Classify(unknown));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 987654, "SomethingNew", "retryable_error"), MongoErrorClassifier.Classify(labelled));
        Assert.Equal(MongoErrorKind.Transient, MongoErrorClassifier.Classify(transaction).Kind);
    }

    [Fact]
    public void Write_concern_errors_are_transient_whatever_their_code()
    {
        MongoWriteConcernException Failure(int code, string name) => new(
            Connection,
            "write concern error",
            new WriteConcernResult(new BsonDocument
            {
                { "ok", 1 },
                { "n", 1 },
                { "writeConcernError", new BsonDocument { { "code", code }, { "codeName", name }, { "errmsg", "waiting for replication timed out" } } },
            }));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 64, "WriteConcernTimeout", "write_concern"), MongoErrorClassifier.Classify(Failure(64, "WriteConcernTimeout")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 91, "ShutdownInProgress", "shutting_down"), MongoErrorClassifier.Classify(Failure(91, "ShutdownInProgress")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 100, "UnsatisfiableWriteConcern", "write_concern"), MongoErrorClassifier.Classify(Failure(100, "UnsatisfiableWriteConcern")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 4242, "Unheard", "write_concern"), MongoErrorClassifier.Classify(Failure(4242, "Unheard")));
    }

    [Fact]
    public void Driver_exceptions_for_failover_timeouts_and_pools_are_transient()
    {
        var notPrimary = new MongoNotPrimaryException(Connection, new BsonDocument("update", "users"), Reply(10107, "NotWritablePrimary"));
        var recovering = new MongoNodeIsRecoveringException(Connection, new BsonDocument("update", "users"), Reply(11600, "InterruptedAtShutdown"));
        var maxTime = new MongoExecutionTimeoutException(Connection, "operation exceeded time limit", Reply(50, "MaxTimeMSExpired"));

        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 10107, "NotWritablePrimary", "not_primary"), MongoErrorClassifier.Classify(notPrimary));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 11600, "InterruptedAtShutdown", "shutting_down"), MongoErrorClassifier.Classify(recovering));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, 50, "MaxTimeMSExpired", "timeout"), MongoErrorClassifier.Classify(maxTime));
        Assert.Equal("network", MongoErrorClassifier.Classify(new MongoConnectionPoolPausedException("pool paused")).Reason);
        Assert.Equal("network", MongoErrorClassifier.Classify(new MongoConnectionException(Connection, "connection reset")).Reason);
        Assert.Equal("overloaded", MongoErrorClassifier.Classify(new MongoWaitQueueFullException("wait queue full")).Reason);
        var incompatible = new MongoIncompatibleDriverException(new ClusterDescription(new ClusterId(), true, null, ClusterType.Standalone, []));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Transient, null, null, "incompatible_server"), MongoErrorClassifier.Classify(incompatible));
        var duplicate = new MongoDuplicateKeyException(Connection, "E11000", new WriteConcernResult(Reply(11000, "DuplicateKey")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, 11000, "DuplicateKey", "duplicate_key"), MongoErrorClassifier.Classify(duplicate));
        Assert.Equal("timeout", MongoErrorClassifier.Classify(new TimeoutException("server selection")).Reason);
        Assert.Equal("timeout", MongoErrorClassifier.Classify(new OperationCanceledException()).Reason);
        Assert.All(
            new Exception[] { new MongoConnectionPoolPausedException("p"), new MongoWaitQueueFullException("w"), new TimeoutException(), new OperationCanceledException() },
            e => Assert.True(MongoErrorClassifier.Classify(e).IsTransient));
    }

    [Fact]
    public void Anything_else_is_permanent_and_never_retried_in_a_loop()
    {
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, null, null, "unexpected_error"), MongoErrorClassifier.Classify(new InvalidOperationException("bug")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, null, null, "serialization_failed"), MongoErrorClassifier.Classify(new FormatException("bad element")));
        Assert.Equal(new MongoErrorClass(MongoErrorKind.Permanent, null, null, "client_error"), MongoErrorClassifier.Classify(new MongoConfigurationException("bad url")));
        Assert.Equal(MongoErrorClassifier.Classify(CommandFailure(14, "TypeMismatch")), MongoErrorClassifier.Classify(new AggregateException(CommandFailure(14, "TypeMismatch"))));
    }

    private static BsonDocument Reply(int code, string? name)
    {
        var reply = new BsonDocument { { "ok", 0 }, { "errmsg", $"failure {code}" }, { "code", code } };
        if (name is not null)
        {
            reply["codeName"] = name;
        }

        return reply;
    }

    private static MongoCommandException CommandFailure(int code, string? name) =>
        new(Connection, $"Command update failed: failure {code}.", new BsonDocument("update", "users"), Reply(code, name));

    private IMongoCollection<BsonDocument> NewCollection() =>
        db.Mongo.Client.GetDatabase(db.NewDatabaseName("errors")).GetCollection<BsonDocument>("users");
}
