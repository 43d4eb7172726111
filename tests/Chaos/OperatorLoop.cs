using System.Globalization;
using System.Net;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;

namespace AgentJobSync.Chaos;

/// <summary>
/// The platform's job operator: creates the run's jobs during its first half and moves random jobs forward (skips
/// allowed, mostly Complete, sometimes Error) with status updates of its cached copy. A write whose answer was lost (API
/// server restart) is followed by a fresh read, as the operator's informer would deliver; a 409 is dropped and counted.
/// </summary>
internal sealed class OperatorLoop(ChaosSystem system, Ledger ledger, Random random, int jobCount, TimeSpan length)
{
    private static readonly string[][] Spellings =
        [[""], ["inactive", "Pending"], ["executing", "running"], ["completed", "succeeded"], ["error", "failed"]];

    private readonly List<(OperatorJob Job, int Step)> jobs = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            var createWindow = DateTimeOffset.UtcNow - started < length / 2;
            try
            {
                if (jobs.Count < jobCount && (createWindow ? random.Next(3) == 0 : true))
                {
                    await CreateAsync(jobs.Count, cancellationToken);
                }
                else
                {
                    await AdvanceAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException)
            {
                // The API server is away (restart fault): try again shortly.
            }

            await Task.Delay(random.Next(15, 90), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task CreateAsync(int index, CancellationToken cancellationToken)
    {
        var name = "chaos-" + index.ToString("D3", CultureInfo.InvariantCulture);
        var owner = ledger.Owners[index % ledger.Owners.Count];
        OperatorJob job;
        try
        {
            job = await system.Driver.CreateAsync(name, owner, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // An earlier create landed but its answer was lost.
            job = new OperatorJob(name, owner, await GetByNameAsync(name, cancellationToken));
        }

        jobs.Add((job, 0));
        ledger.Jobs.Add(job);
        ledger.Written(job);
    }

    private async Task<System.Text.Json.Nodes.JsonObject> GetByNameAsync(string name, CancellationToken cancellationToken) =>
        await system.Env.Kube.Client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.Nodes.JsonObject>(
            "ea.erulabs.ai", "v1", ChaosSystem.Namespace, "agentjobs", name, cancellationToken: cancellationToken);

    private async Task AdvanceAsync(CancellationToken cancellationToken)
    {
        var open = jobs.Select((j, i) => (j, i)).Where(x => x.j.Step < 3).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var (entry, index) = open[random.Next(open.Count)];
        var next = Math.Min(4, entry.Step + 1 + random.Next(2));
        if (next == 4 && random.Next(3) > 0)
        {
            next = 3;
        }

        var state = Spellings[next][random.Next(Spellings[next].Length)];
        jobs[index] = (entry.Job, next);
        try
        {
            if (await system.Driver.SetStateAsync(entry.Job, state, cancellationToken))
            {
                ledger.Written(entry.Job);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or HttpOperationException && !cancellationToken.IsCancellationRequested)
        {
            await RefreshUntilReadAsync(entry.Job, cancellationToken);
            jobs[index] = (entry.Job, Step(entry.Job.State));
        }
    }

    /// <summary>Reads the job again until the API server answers (the write may or may not have landed).</summary>
    private async Task RefreshUntilReadAsync(OperatorJob job, CancellationToken cancellationToken)
    {
        await Eventually.UntilAsync(
            async ct =>
            {
                await system.Driver.RefreshAsync(job, ct);
                return true;
            },
            TimeSpan.FromSeconds(60), $"{job.Name} can be read again", cancellationToken);
        ledger.Written(job);
    }

    private static int Step(string state) => JobStates.Canonical(state) switch
    {
        "New" => 0,
        "Pending" => 1,
        "Executing" => 2,
        "Complete" => 3,
        _ => 4,
    };
}
