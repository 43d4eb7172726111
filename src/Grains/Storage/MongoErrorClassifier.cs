using System.Collections.Frozen;
using MongoDB.Bson;
using MongoDB.Driver;

namespace AgentJobSync.Grains.Storage;

/// <summary>
/// Decides from a database exception whether the call may succeed on retry (<see cref="MongoErrorKind.Transient"/>:
/// retry with capped backoff) or not (<see cref="MongoErrorKind.Permanent"/>: report it and stop retrying it), with a
/// stable reason for metrics. The decision comes from the server's error code (of the write error, the write-concern
/// error or the failed command), the server's retry labels, and the driver's exception types for what never reached a
/// server. All codes are in <see cref="Codes"/>.
/// </summary>
public static class MongoErrorClassifier
{
    // Labels the server (or the driver) puts on errors that a retry of the same call may overcome.
    private static readonly string[] RetryLabels = ["RetryableWriteError", "TransientTransactionError", "RetryableError"];

    private const string OverloadedLabel = "SystemOverloadedError";

    /// <summary>
    /// Every server code this service decides on, with its name. A code missing here is permanent
    /// (<c>unknown_server_error</c>): it is reported and not retried in a tight loop, and the level-triggered resync
    /// delivers the job again later, so an unknown but passing condition still heals without a retry storm.
    /// </summary>
    private static readonly FrozenDictionary<int, CodeEntry> Codes = new Dictionary<int, CodeEntry>
    {
        // Transient: the network, a failover or an overloaded server; the same call succeeds once it passes.
        [6] = Transient("HostUnreachable", "network"),
        [7] = Transient("HostNotFound", "network"),
        [89] = Transient("NetworkTimeout", "network"),
        [9001] = Transient("SocketException", "network"),
        [50] = Transient("MaxTimeMSExpired", "timeout"),
        [202] = Transient("NetworkInterfaceExceededTimeLimit", "timeout"),
        [262] = Transient("ExceededTimeLimit", "timeout"),
        [189] = Transient("PrimarySteppedDown", "not_primary"),
        [10058] = Transient("LegacyNotPrimary", "not_primary"),
        [10107] = Transient("NotWritablePrimary", "not_primary"),
        [11602] = Transient("InterruptedDueToReplStateChange", "not_primary"),
        [13435] = Transient("NotPrimaryNoSecondaryOk", "not_primary"),
        [13436] = Transient("NotPrimaryOrSecondary", "not_primary"),
        [133] = Transient("FailedToSatisfyReadPreference", "not_primary"),
        [134] = Transient("ReadConcernMajorityNotAvailableYet", "not_primary"),
        [216] = Transient("ElectionInProgress", "not_primary"),
        [91] = Transient("ShutdownInProgress", "shutting_down"),
        [11600] = Transient("InterruptedAtShutdown", "shutting_down"),
        [11601] = Transient("Interrupted", "interrupted"),
        [112] = Transient("WriteConflict", "write_conflict"),
        [24] = Transient("LockTimeout", "write_conflict"),
        [46] = Transient("LockBusy", "write_conflict"),
        [63] = Transient("StaleShardVersion", "stale_routing"),
        [150] = Transient("StaleEpoch", "stale_routing"),
        [13388] = Transient("StaleConfig", "stale_routing"),
        [43] = Transient("CursorNotFound", "cursor_lost"),
        [136] = Transient("CappedPositionLost", "cursor_lost"),
        [234] = Transient("RetryChangeStream", "cursor_lost"),
        [237] = Transient("CursorKilled", "cursor_lost"),

        // Transient: the write was applied on the primary but not (yet) acknowledged by a majority. Our writes are
        // guarded (ETag, entry revision), so repeating one is safe and either applies or finds it already applied.
        // Unknown codes inside a write-concern error count here too (see ForWriteConcern).
        [64] = Transient("WriteConcernTimeout", "write_concern"),
        [79] = Transient("UnknownReplWriteConcern", "write_concern"),
        [100] = Transient("UnsatisfiableWriteConcern", "write_concern"),

        // Transient on purpose: a missing role or a rotated password fails every call of every job alike and is fixed
        // by a person, not by the data. Retrying with capped backoff resumes everything by itself once access is
        // restored, while the failures keep showing in metrics and logs; giving up would need a resync to recover.
        [13] = Transient("Unauthorized", "unauthorized"),
        [18] = Transient("AuthenticationFailed", "authentication_failed"),
        [391] = Transient("ReauthenticationRequired", "authentication_failed"),

        // Permanent: the document is, or would become, larger than 16 MiB. (FerretDB v1 does not enforce the limit on
        // updates; the driver refuses a document above it before sending, see Classify.)
        [10334] = Permanent("BSONObjectTooLarge", "document_too_large"),
        [17419] = Permanent(null, "document_too_large"), // update result larger than the maximum document size
        [17420] = Permanent(null, "document_too_large"), // document grew too large for a capped collection

        // Permanent: the collection's validator rejects the document.
        [121] = Permanent("DocumentValidationFailure", "validation_failed"),

        // Permanent: the update does not fit the document (a field of another type than the operator needs, a path
        // through a scalar, two operators on one path, a changed _id).
        [14] = Permanent("TypeMismatch", "type_mismatch"),
        [28] = Permanent("PathNotViable", "path_not_viable"),
        [40] = Permanent("ConflictingUpdateOperators", "conflicting_update"),
        [16837] = Permanent(null, "conflicting_update"), // legacy: path conflict / cannot traverse element
        [66] = Permanent("ImmutableField", "immutable_field"),

        // Permanent: a field name the server does not store.
        [52] = Permanent("DollarPrefixedFieldName", "invalid_field_name"),
        [55] = Permanent("InvalidDBRef", "invalid_field_name"),
        [56] = Permanent("EmptyFieldName", "invalid_field_name"),
        [57] = Permanent("DottedFieldName", "invalid_field_name"),

        // Permanent: a value or a request the server rejects as malformed.
        [2] = Permanent("BadValue", "bad_value"),
        [4] = Permanent("NoSuchKey", "bad_value"),
        [9] = Permanent("FailedToParse", "bad_value"),
        [15] = Permanent("Overflow", "bad_value"),
        [16] = Permanent("InvalidLength", "bad_value"),
        [22] = Permanent("InvalidBSON", "bad_value"),
        [30] = Permanent("InvalidPath", "bad_value"),
        [72] = Permanent("InvalidOptions", "bad_value"),
        [73] = Permanent("InvalidNamespace", "bad_value"),
        [17280] = Permanent("KeyTooLong", "bad_value"),

        // Permanent: a unique index already holds the key.
        [11000] = Permanent("DuplicateKey", "duplicate_key"),

        // Permanent: the server does not offer the command or option.
        [20] = Permanent("IllegalOperation", "not_supported"),
        [59] = Permanent("CommandNotFound", "not_supported"),
        [115] = Permanent("CommandNotSupported", "not_supported"),
        [166] = Permanent("CommandNotSupportedOnView", "not_supported"),
        [238] = Permanent("NotImplemented", "not_supported"),
    }.ToFrozenDictionary();

    /// <summary>Classifies <paramref name="exception"/>, thrown by a MongoDB.Driver call (or by the caller's deadline on it).</summary>
    public static MongoErrorClass Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var result = exception switch
        {
            AggregateException { InnerExceptions.Count: 1 } aggregate => Classify(aggregate.InnerExceptions[0]),

            // Server errors, most specific type first.
            MongoWriteException { WriteError: { } error } => ForCode(error.Code, null),
            MongoWriteException { WriteConcernError: { } concern } => ForWriteConcern(concern.Code, concern.CodeName),
            MongoBulkWriteException { WriteErrors.Count: > 0 } bulk => ForWriteErrors(bulk.WriteErrors),
            MongoBulkWriteException { WriteConcernError: { } concern } => ForWriteConcern(concern.Code, concern.CodeName),
            MongoDuplicateKeyException duplicate => ForCode(duplicate.Code > 0 ? duplicate.Code : 11000, duplicate.CodeName),
            MongoWriteConcernException concern => ForWriteConcernException(concern),
            MongoNotPrimaryException or MongoNodeIsRecoveringException => ForServerState((MongoCommandException)exception),
            MongoCommandException command => ForCode(command.Code, command.CodeName),
            MongoExecutionTimeoutException timeout => new MongoErrorClass(MongoErrorKind.Transient, CodeOrNull(timeout.Code), timeout.CodeName ?? "MaxTimeMSExpired", "timeout"),
            MongoCursorNotFoundException => new MongoErrorClass(MongoErrorKind.Transient, 43, "CursorNotFound", "cursor_lost"),

            // Failures before or between server replies.
            MongoAuthenticationException authentication => ForAuthentication(authentication),
            MongoConnectionException or MongoConnectionPoolPausedException => new MongoErrorClass(MongoErrorKind.Transient, null, null, "network"),
            MongoWaitQueueFullException => new MongoErrorClass(MongoErrorKind.Transient, null, null, "overloaded"),

            // The server speaks a wire version this driver does not: fixed by a person (an upgrade), like access;
            // retried with capped backoff for the same reason as codes 13/18 above.
            MongoIncompatibleDriverException => new MongoErrorClass(MongoErrorKind.Transient, null, null, "incompatible_server"),

            // The driver's server selection, or our own deadline on a call: the server may be fine a moment later. A
            // caller stopping on its own shutdown token checks that token before classifying.
            TimeoutException or OperationCanceledException => new MongoErrorClass(MongoErrorKind.Transient, null, null, "timeout"),

            // The driver refuses a document above the server's maximum size before sending it ("Size N is larger than
            // MaxDocumentSize M"), so a too large document often never reaches the server to get code 10334.
            FormatException format when format.Message.Contains("MaxDocumentSize", StringComparison.Ordinal) =>
                new MongoErrorClass(MongoErrorKind.Permanent, null, null, "document_too_large"),
            FormatException or BsonException => new MongoErrorClass(MongoErrorKind.Permanent, null, null, "serialization_failed"),

            MongoServerException => new MongoErrorClass(MongoErrorKind.Permanent, null, null, "unknown_server_error"),
            MongoClientException => new MongoErrorClass(MongoErrorKind.Permanent, null, null, "client_error"),
            _ => new MongoErrorClass(MongoErrorKind.Permanent, null, null, "unexpected_error"),
        };
        return WithLabels(exception, result);
    }

    private static CodeEntry Transient(string? name, string reason) => new(name, MongoErrorKind.Transient, reason);

    private static CodeEntry Permanent(string? name, string reason) => new(name, MongoErrorKind.Permanent, reason);

    // The driver reports "no code" as -1 (MongoCommandException) or 0.
    private static int? CodeOrNull(int code) => code > 0 ? code : null;

    private static MongoErrorClass ForCode(int code, string? serverCodeName)
    {
        if (CodeOrNull(code) is not { } known)
        {
            return new MongoErrorClass(MongoErrorKind.Permanent, null, serverCodeName, "unknown_server_error");
        }

        return Codes.TryGetValue(known, out var entry)
            ? new MongoErrorClass(entry.Kind, known, serverCodeName ?? entry.Name, entry.Reason)
            : new MongoErrorClass(MongoErrorKind.Permanent, known, serverCodeName, "unknown_server_error");
    }

    // A write-concern error means the write reached the primary; whatever its code, a guarded retry is safe, so it is
    // transient: with the code's own reason when that is a transient one (a failover, a shutdown), else write_concern.
    private static MongoErrorClass ForWriteConcern(int code, string? serverCodeName)
    {
        var byCode = ForCode(code, serverCodeName);
        return byCode.Kind == MongoErrorKind.Transient ? byCode : byCode with { Kind = MongoErrorKind.Transient, Reason = "write_concern" };
    }

    private static MongoErrorClass ForWriteConcernException(MongoWriteConcernException exception)
    {
        // A command error next to the write-concern error (ok: 0 with a code) decides; else the write-concern error does.
        if (!exception.IsWriteConcernErrorOnly() && CodeOrNull(exception.Code) is { } commandCode)
        {
            return ForCode(commandCode, exception.CodeName);
        }

        var concern = exception.WriteConcernResult?.Response?.GetValue("writeConcernError", BsonNull.Value) as BsonDocument;
        var code = concern?.GetValue("code", -1).ToInt32() ?? -1;
        var name = concern?.GetValue("codeName", BsonNull.Value) is BsonString codeName ? codeName.Value : null;
        return ForWriteConcern(code, name);
    }

    // One write per call here, so one error; should several come, any permanent one makes the call permanent.
    private static MongoErrorClass ForWriteErrors(IReadOnlyList<BulkWriteError> errors)
    {
        var classes = errors.Select(error => ForCode(error.Code, null)).ToList();
        return classes.FirstOrDefault(c => c.Kind == MongoErrorKind.Permanent, classes[0]);
    }

    // The driver raises these for "not primary" and "node is recovering" replies, including shutdown codes.
    private static MongoErrorClass ForServerState(MongoCommandException exception)
    {
        var byCode = ForCode(exception.Code, exception.CodeName);
        return byCode.Kind == MongoErrorKind.Transient ? byCode : byCode with { Kind = MongoErrorKind.Transient, Reason = "not_primary" };
    }

    // The handshake failed: the server's code (18 AuthenticationFailed, FerretDB too) is on the inner command error.
    private static MongoErrorClass ForAuthentication(MongoAuthenticationException exception)
    {
        var command = exception.InnerException as MongoCommandException;
        var code = command is null ? null : CodeOrNull(command.Code);
        return new MongoErrorClass(MongoErrorKind.Transient, code ?? 18, command?.CodeName ?? "AuthenticationFailed", "authentication_failed");
    }

    private static MongoErrorClass WithLabels(Exception exception, MongoErrorClass result)
    {
        if (result.Kind == MongoErrorKind.Transient || exception is not MongoException mongo)
        {
            return result;
        }

        if (mongo.HasErrorLabel(OverloadedLabel))
        {
            return result with { Kind = MongoErrorKind.Transient, Reason = "overloaded" };
        }

        // The server knows better than our table: a labelled error is retryable whatever its code.
        return RetryLabels.Any(mongo.HasErrorLabel)
            ? result with { Kind = MongoErrorKind.Transient, Reason = "retryable_error" }
            : result;
    }

    private readonly record struct CodeEntry(string? Name, MongoErrorKind Kind, string Reason);
}
