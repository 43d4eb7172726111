using AgentJobSync.Grains.Persistence;

namespace AgentJobSync.Storage.Tests;

/// <summary>A grain state whose searchable fields are whatever the test puts in <see cref="Fields"/>.</summary>
[GenerateSerializer]
[Alias("AgentJobSync.Storage.Tests.SearchableProbe")]
internal sealed class SearchableProbe : ISearchableGrainState
{
    [Id(0)]
    public Dictionary<string, object?> Fields { get; set; } = [];

    public IReadOnlyDictionary<string, object?> SearchFields => Fields;
}
