namespace AgentJobSync.WatchHost.Informer;

/// <summary>The API server no longer has the requested resourceVersion (410 Gone): only a fresh list can continue.</summary>
public sealed class ResourceExpiredException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ResourceExpiredException()
    {
    }

    /// <summary>Creates the exception with the server's message.</summary>
    public ResourceExpiredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the server's message and the failure that carried it.</summary>
    public ResourceExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
