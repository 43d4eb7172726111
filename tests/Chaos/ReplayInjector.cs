using System.Text.Json;
using AgentJobSync.Grains;
using AgentJobSync.WatchHost.Model;

namespace AgentJobSync.Chaos;

/// <summary>
/// Duplicated and reordered deliveries: observations of versions the operator wrote earlier (or the latest again) sent
/// straight to the grains through an Orleans client, translated exactly as the watch host translates them, with the
/// time they were first true. Calls cut off by a fault are counted but not retried.
/// </summary>
internal sealed class ReplayInjector(ChaosSystem system, Ledger ledger, Random random)
{
    public int Sent { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var jobs = ledger.Jobs.OrderBy(j => j.Name, StringComparer.Ordinal).ToList();
            if (jobs.Count > 0)
            {
                var job = jobs[random.Next(jobs.Count)];
                var versions = ledger.History(job.Uid);
                if (versions.Count > 0)
                {
                    var (version, at) = versions[random.Next(versions.Count)];
                    await SendAsync(version, at, cancellationToken);
                }
            }

            await Task.Delay(random.Next(30, 120), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SendAsync(System.Text.Json.Nodes.JsonObject version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!AgentJobParser.TryParse(JsonSerializer.SerializeToElement(version), out var job))
        {
            return;
        }

        var observation = ObservationTranslator.Translate(job, deleted: false, at);
        Sent++;
        try
        {
            await system.Grains.GetGrain<IAgentJobGrain>(job.Uid).ObserveAsync(observation).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A replay cut off by a silo kill or blackout is still a delivered fault.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
