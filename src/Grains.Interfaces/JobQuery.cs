namespace AgentJobSync.Grains;

/// <summary>
/// A search of the job directory. Every given criterion must match (exact, case-sensitive); none given lists every job.
/// Results are ordered by UID; pass the last UID of a page as <see cref="AfterUid"/> for the next one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobQuery
{
    [Id(0)] public string? Uid { get; init; }

    [Id(1)] public string? Owner { get; init; }

    [Id(2)] public string? Namespace { get; init; }

    [Id(3)] public string? Name { get; init; }

    /// <summary>Only jobs whose last observation did not end in sync.</summary>
    [Id(4)] public bool NotInSyncOnly { get; init; }

    /// <summary>Only jobs whose deletion has not been recorded (what the watch host compares a relist with).</summary>
    [Id(5)] public bool LiveOnly { get; init; }

    [Id(6)] public string? AfterUid { get; init; }

    [Id(7)] public int Limit { get; init; } = 100;
}
