namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// A grain state that exposes some of its fields for queries. <see cref="MongoGrainStorage"/> stores them beside the
/// opaque payload as a plain sub-document (<c>fields</c>), so they can be searched without deserializing every state.
/// Values must be strings, booleans, integers or <see cref="DateTimeOffset"/>s (or null).
/// </summary>
public interface ISearchableGrainState
{
    IReadOnlyDictionary<string, object?> SearchFields { get; }
}
