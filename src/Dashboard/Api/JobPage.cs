using AgentJobSync.Grains;

namespace AgentJobSync.Dashboard.Api;

/// <summary>A page of directory results; <see cref="Next"/> is the <c>after</c> for the next page, null on the last.</summary>
public sealed record JobPage(IReadOnlyList<JobSummary> Jobs, string? Next);
