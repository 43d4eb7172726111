using System.Globalization;

namespace AgentJobSync.TestHarness;

/// <summary>How <see cref="ControlPlane.StartAsync"/> sets up the API server.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>Install every CRD under <c>&lt;repo&gt;/k8s/crd/</c> (default true).</summary>
    public bool InstallCrds { get; init; } = true;

    /// <summary>
    /// More lines for the API server's static token file, <c>TOKEN,NAME,UID,"GROUP1,GROUP2"</c>, for RBAC tests;
    /// <see cref="UserLine"/> writes one.
    /// </summary>
    public IReadOnlyList<string> ExtraUsers { get; init; } = [];

    /// <summary>How long to wait for <c>/readyz</c> (default 60 s).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A token file line for a user with the given groups.</summary>
    public static string UserLine(string token, string name, string uid, params string[] groups) =>
        string.Create(CultureInfo.InvariantCulture, $"{token},{name},{uid},\"{string.Join(',', groups)}\"");
}
