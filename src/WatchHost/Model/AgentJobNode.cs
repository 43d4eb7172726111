namespace AgentJobSync.WatchHost.Model;

/// <summary>One entry of <c>status.nodes</c>; <see cref="OutputJson"/> keeps any JSON value as text.</summary>
public sealed record AgentJobNode(string Alias, string? Status, string? OutputJson, string? LastUpdated);
