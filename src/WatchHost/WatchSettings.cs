using AgentJobSync.ServiceDefaults;

namespace AgentJobSync.WatchHost;

/// <summary>
/// How the watch host reaches the API server and when its probes turn red: the kubeconfig (<c>KUBECONFIG</c>), how long
/// one watch stays open (<c>WATCH_TIMEOUT</c>), how long a leader may go without list or watch progress before it is not
/// ready (<c>WATCH_PROGRESS_BOUND</c>, default twice the watch timeout), and how long queued work may wait with no
/// reconcile finishing before liveness fails (<c>ROUTING_STALL_BOUND</c>).
/// </summary>
public sealed record WatchSettings(string? KubeconfigPath, TimeSpan WatchTimeout, TimeSpan ProgressBound, TimeSpan StallBound)
{
    /// <summary>Reads the settings; problems are recorded on <paramref name="reader"/>.</summary>
    public static WatchSettings Read(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var kubeconfig = reader.String("KUBECONFIG");
        if (kubeconfig is not null && !File.Exists(kubeconfig))
        {
            reader.Invalid("KUBECONFIG", kubeconfig, "no such file");
        }

        var watchTimeout = reader.Duration("WATCH_TIMEOUT", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var progressBound = reader.Duration("WATCH_PROGRESS_BOUND", 2 * watchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(2));
        if (progressBound <= watchTimeout)
        {
            reader.Invalid("WATCH_PROGRESS_BOUND", progressBound.ToString(), "must be longer than WATCH_TIMEOUT: an idle watch makes progress only when the server ends it");
        }

        var stallBound = reader.Duration("ROUTING_STALL_BOUND", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        return new WatchSettings(kubeconfig, watchTimeout, progressBound, stallBound);
    }
}
