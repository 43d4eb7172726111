namespace AgentJobSync.TestHarness;

/// <summary>Which MongoDB server a <see cref="TestEnvironment"/> starts.</summary>
public enum DatabaseChoice
{
    /// <summary>The server of <c>AGENTJOB_TEST_MONGO_URL</c> when set, else FerretDB (<see cref="MongoWire.StartAsync"/>).</summary>
    Selected,

    /// <summary>FerretDB always: for tests of the harness's FerretDB plumbing (its processes, the serializing proxy).</summary>
    FerretDb,
}
