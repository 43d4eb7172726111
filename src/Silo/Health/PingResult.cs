namespace AgentJobSync.Silo.Health;

/// <summary>The outcome of one database ping.</summary>
internal sealed record PingResult(bool Answered, string Description);
