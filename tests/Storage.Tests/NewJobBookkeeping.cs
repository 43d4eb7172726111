using AgentJobSync.Grains;

namespace AgentJobSync.Storage.Tests;

/// <summary>The bookkeeping of a job seen for the first time by the only activation there is: every insert claim is granted.</summary>
internal sealed class NewJobBookkeeping : IEntryBookkeeping
{
    public string? Owner { get; private set; }

    public bool EntryCreated => false;

    public Task<bool> ClaimInsertAsync(string owner, CancellationToken cancellationToken)
    {
        Owner ??= owner;
        return Task.FromResult(true);
    }
}
