namespace AgentJobSync.WatchHost.Model;

/// <summary>Builds and splits the <c>namespace/name</c> keys the informer and the work queue share.</summary>
public static class JobKey
{
    /// <summary>The key of the job <paramref name="name"/> in <paramref name="ns"/>.</summary>
    public static string Of(string ns, string name) => ns + "/" + name;

    /// <summary>The namespace part of <paramref name="key"/>.</summary>
    public static string NamespaceOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? string.Empty : key[..slash];
    }
}
