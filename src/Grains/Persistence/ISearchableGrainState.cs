namespace AgentJobSync.Grains.Persistence;

/// <summary>
/// A grain state that exposes some of its fields for queries. <see cref="MongoGrainStorage"/> stores them beside the
/// opaque payload, as top-level fields of the state document, so they can be searched (and indexed, on FerretDB v1 too)
/// without deserializing every state. Values must be strings, booleans, integers or <see cref="DateTimeOffset"/>s (or
/// null). A name may not be one of the provider's own fields (<c>_id</c>, <c>etag</c>, <c>payload</c>, <c>grainType</c>,
/// <c>updatedAt</c>, nor <c>fields</c>, where earlier versions kept them), start with '$' or contain '.': such a state is
/// refused at write.
/// </summary>
public interface ISearchableGrainState
{
    IReadOnlyDictionary<string, object?> SearchFields { get; }
}
