namespace AgentJobSync.Grains.Storage;

/// <summary>Whether retrying the same database call can succeed.</summary>
public enum MongoErrorKind
{
    /// <summary>The call may succeed later unchanged (network, failover, timeout, write concern, access being fixed): retry with capped backoff.</summary>
    Transient,

    /// <summary>The call cannot succeed as it is (the document or the update is wrong): report it and do not retry it.</summary>
    Permanent,
}
