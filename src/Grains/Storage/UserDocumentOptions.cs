namespace AgentJobSync.Grains.Storage;

/// <summary>Where the user documents live and how long one database call may take.</summary>
public sealed class UserDocumentOptions
{
    /// <summary>The front end's database.</summary>
    public string DatabaseName { get; set; } = "ainuUsers";

    /// <summary>One document per user, found by its field <c>id</c>.</summary>
    public string CollectionName { get; set; } = "users";

    /// <summary>Deadline of one database call; a call past it counts as a transient failure.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
