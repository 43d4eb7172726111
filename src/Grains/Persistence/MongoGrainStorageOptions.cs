using Orleans.Storage;

namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// Where one <see cref="MongoGrainStorage"/> keeps grain state (a collection of ours, never the user documents), how long
/// one database call may take, and how the state is serialized.
/// </summary>
public sealed class MongoGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Default of <see cref="DatabaseName"/>.</summary>
    public const string DefaultDatabaseName = "agentjobSync";

    /// <summary>Default of <see cref="CollectionName"/>.</summary>
    public const string DefaultCollectionName = "grainState";

    /// <summary>The database of the state collection.</summary>
    public string DatabaseName { get; set; } = DefaultDatabaseName;

    /// <summary>One document per grain and state name.</summary>
    public string CollectionName { get; set; } = DefaultCollectionName;

    /// <summary>
    /// Deadline of one read, write or clear; past it the call fails with <see cref="TimeoutException"/> (a transient
    /// failure: the write may or may not have been applied, and the next write's ETag check tells which).
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Turns the state into the document's <c>payload</c> bytes and back. Left unset, it is filled from the silo's
    /// services: the <see cref="IGrainStorageSerializer"/> registered under the provider's name, else the silo-wide one
    /// (Orleans' JSON serializer by default).
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
