namespace AgentJobSync.Grains.Storage;

/// <summary>What a database failure means for the caller: retry or not, and why, in words fit for a metric label.</summary>
/// <param name="Kind">Whether the same call can succeed on retry.</param>
/// <param name="Code">The server's error code (of the write error, the write-concern error or the command), if there was one.</param>
/// <param name="CodeName">The code's name as the server gave it, else as MongoDB documents it; null for location-only codes.</param>
/// <param name="Reason">
/// A short stable snake_case cause for metrics and logs: transient <c>network</c>, <c>timeout</c>, <c>not_primary</c>,
/// <c>shutting_down</c>, <c>interrupted</c>, <c>write_conflict</c>, <c>stale_routing</c>, <c>cursor_lost</c>,
/// <c>write_concern</c>, <c>unauthorized</c>, <c>authentication_failed</c>, <c>overloaded</c>, <c>incompatible_server</c>,
/// <c>retryable_error</c>; permanent <c>document_too_large</c>, <c>validation_failed</c>, <c>bad_value</c>,
/// <c>type_mismatch</c>, <c>path_not_viable</c>, <c>conflicting_update</c>, <c>invalid_field_name</c>,
/// <c>immutable_field</c>, <c>duplicate_key</c>, <c>not_supported</c>, <c>serialization_failed</c>,
/// <c>unknown_server_error</c>, <c>client_error</c>, <c>unexpected_error</c>.
/// </param>
public readonly record struct MongoErrorClass(MongoErrorKind Kind, int? Code, string? CodeName, string Reason)
{
    /// <summary>Whether the same call can succeed on retry.</summary>
    public bool IsTransient => Kind == MongoErrorKind.Transient;
}
