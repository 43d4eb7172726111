namespace AgentJobSync.WatchHost.Informer;

/// <summary>The kinds of watch event the informer acts on.</summary>
public enum WatchChange
{
    /// <summary>The job appeared.</summary>
    Added,

    /// <summary>The job changed.</summary>
    Modified,

    /// <summary>The job is gone; the event carries its final object.</summary>
    Deleted,

    /// <summary>Nothing changed; the server tells how far the stream has progressed.</summary>
    Bookmark,
}
