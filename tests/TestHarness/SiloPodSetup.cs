namespace AgentJobSync.TestHarness;

/// <summary>
/// What every silo pod of one test system shares: the published silo, the kubeconfig it reaches the API server with
/// (directly or through a fault proxy), the database URL, the Orleans service id and the folder its logs go to.
/// </summary>
public sealed record SiloPodSetup(PublishedApps Apps, string KubeconfigPath, string DatabaseUrl, string ServiceId, string LogDirectory);
