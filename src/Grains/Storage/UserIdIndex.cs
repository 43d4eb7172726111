namespace AgentJobSync.Grains.Storage;

/// <summary>The index that keeps <c>users.id</c> unique, as a silo found or created it.</summary>
/// <param name="Name">The index's name (ours is <c>id_unique</c>; MongoDB names one made without a name <c>id_1</c>).</param>
/// <param name="Created">This call created it.</param>
/// <param name="Problem">
/// When an index on <c>id</c> exists that does not keep it unique (not unique, or partial), what is wrong with it; the
/// unique index is then not created (the server refuses a second index on the same key).
/// </param>
public sealed record UserIdIndex(string Name, bool Created, string? Problem = null);
