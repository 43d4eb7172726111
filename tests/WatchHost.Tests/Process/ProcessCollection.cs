using Xunit;

namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>The process-level tests share one <see cref="ProcessFixture"/> and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessCollection : ICollectionFixture<ProcessFixture>
{
    public const string Name = "process";
}
