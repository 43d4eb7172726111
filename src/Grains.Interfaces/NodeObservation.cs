namespace AgentJobSync.Grains;

/// <summary>One entry of an AgentJob's <c>status.nodes</c> as read from the resource.</summary>
/// <param name="Alias">The node's alias (its key when merging).</param>
/// <param name="Status">The node's own status string, copied as is.</param>
/// <param name="OutputJson">The node's <c>output</c> as JSON text (any JSON value), or null when absent.</param>
/// <param name="LastUpdated">The node's <c>lastUpdated</c> string as written by the platform (may be malformed).</param>
[GenerateSerializer, Immutable]
public sealed record NodeObservation(
    [property: Id(0)] string Alias,
    [property: Id(1)] string? Status,
    [property: Id(2)] string? OutputJson,
    [property: Id(3)] string? LastUpdated);
