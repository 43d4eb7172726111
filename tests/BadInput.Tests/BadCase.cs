using AgentJobSync.TestHarness;

namespace AgentJobSync.BadInput.Tests;

/// <summary>
/// One bad input: how to set it up (the owner's document and the job), the reason the service must report
/// (<c>Synced</c>: the input is tolerated and the entry must sync), and what else must hold afterwards.
/// </summary>
internal sealed record BadCase(
    string Name,
    string Reason,
    Func<CaseContext, Task<OperatorJob>> Arrange,
    Func<CaseContext, OperatorJob, Task>? Check = null)
{
    public bool Tolerated => Reason == "Synced";

    public override string ToString() => Name;
}
