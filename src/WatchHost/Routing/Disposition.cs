namespace AgentJobSync.WatchHost.Routing;

/// <summary>What the worker does with a key after routing it. Ordered: when a key routes several objects, the greatest wins.</summary>
public enum Disposition
{
    /// <summary>In sync: forget the key's failures.</summary>
    Done = 0,

    /// <summary>Cannot succeed as the object is: no retry until the object changes.</summary>
    Parked = 1,

    /// <summary>Waiting on something outside our reach (the owner's document): retry slowly.</summary>
    SlowRetry = 2,

    /// <summary>Transient failure: retry with the per-key backoff.</summary>
    Retry = 3,
}
