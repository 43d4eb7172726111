using System.Globalization;
using System.Net;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;

namespace AgentJobSync.Chaos;

/// <summary>
/// The platform's job operator and its users: creates the run's jobs (one at a time and in bursts) until the last 15%
/// of the run, moves random jobs forward (skips allowed, mostly Complete, sometimes Error) with status updates of its
/// cached copy, and deletes jobs in every state. A write whose answer was lost (API server restart) is followed by a
/// fresh read, as the operator's informer would deliver; a 409 is dropped and counted, never retried.
/// A job is deleted once its entry shows the job's current state: a user deletes the job they see. (A state written and
/// deleted while no watch host watched is never seen by anyone; the entry then keeps the last state seen.)
/// </summary>
internal sealed class OperatorLoop(
    ChaosSystem system, Ledger ledger, DocumentRecorder recorder, ActivityJournal journal, Random random, int jobCount, TimeSpan length)
{
    private const int Deleted = 5;

    private static readonly string[][] Spellings =
        [[""], ["inactive", "Pending"], ["executing", "running"], ["completed", "succeeded"], ["error", "failed"]];

    private readonly List<(OperatorJob Job, int Step)> jobs = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            var createWindow = DateTimeOffset.UtcNow - started < length * 0.85;
            try
            {
                if (jobs.Count < jobCount && createWindow && random.Next(3) == 0)
                {
                    await CreateAsync(random.Next(8) == 0 ? random.Next(5, 13) : 1, cancellationToken);
                }
                else if (random.Next(40) == 0)
                {
                    await DeleteOneAsync(cancellationToken);
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
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException or TimeoutException)
            {
                // The API server is away (restart, etcd restart): try again shortly.
            }

            await Task.Delay(random.Next(15, 90), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task CreateAsync(int count, CancellationToken cancellationToken)
    {
        var names = Enumerable.Range(jobs.Count, Math.Min(count, jobCount - jobs.Count)).ToList();
        var created = await Task.WhenAll(names.Select(async index =>
        {
            try
            {
                return await CreateOneAsync(index, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }));

        // Only a contiguous run of created jobs is kept, so that a name that failed is created again next time.
        foreach (var job in created.TakeWhile(j => j is not null))
        {
            jobs.Add((job!, 0));
            ledger.Jobs.Add(job!);
            ledger.Written(job!);
            journal.Write($"created {job!.Name} {job.Uid} for {job.Owner}");
        }

        // The ones created after a failed one exist: they are taken as soon as the earlier name succeeds (409 below).
    }

    private async Task<OperatorJob> CreateOneAsync(int index, CancellationToken cancellationToken)
    {
        var name = "chaos-" + index.ToString("D3", CultureInfo.InvariantCulture);
        var owner = ledger.Owners[index % ledger.Owners.Count];
        try
        {
            return await system.Driver.CreateAsync(name, owner, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // An earlier create landed but its answer was lost (or it belonged to a burst cut short).
            return new OperatorJob(name, owner, await GetByNameAsync(name, cancellationToken));
        }
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
                journal.Write($"wrote {entry.Job.Name} state '{state}'");
            }
            else
            {
                journal.Write($"CONFLICT writing {entry.Job.Name} state '{state}': dropped");
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or HttpOperationException && !cancellationToken.IsCancellationRequested)
        {
            await RefreshUntilReadAsync(entry.Job, cancellationToken);
            jobs[index] = (entry.Job, Step(entry.Job.State));
            journal.Write($"answer lost writing {entry.Job.Name} state '{state}' ({e.GetType().Name}); read back '{entry.Job.State}'");
        }
    }

    // A user deletes a job whose entry shows its current state, in whatever state that is; a third of the jobs at most.
    private async Task DeleteOneAsync(CancellationToken cancellationToken)
    {
        var candidates = jobs.Select((j, i) => (j, i))
            .Where(x => x.j.Step != Deleted && !x.j.Job.Stalled && !ledger.Removed.ContainsKey(x.j.Job.Uid)
                && recorder.LastStatus(x.j.Job.Uid) == x.j.Job.ExpectedStatus)
            .ToList();
        if (candidates.Count == 0 || ledger.Deleted.Count >= jobCount / 3)
        {
            return;
        }

        // A state first, then a job in it: jobs spend little time before Complete or Error, and every state is deleted.
        var byState = candidates.GroupBy(c => c.j.Job.ExpectedStatus).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var inState = byState[random.Next(byState.Count)].ToList();
        var ((job, _), index) = inState[random.Next(inState.Count)];
        if (!await DeleteUntilGoneAsync(job, cancellationToken))
        {
            return;
        }

        jobs[index] = (job, Deleted);
        ledger.Deleted[job.Uid] = job.ExpectedStatus;
        journal.Write($"deleted {job.Name} {job.Uid} at '{job.State}' (entry showed {job.ExpectedStatus})");
    }

    /// <summary>
    /// Deletes the job; a deletion whose answer was lost is asked again (as the user clicks again) until the API server
    /// answers that it is done or the job is gone: a lost DELETE may still land after a read that saw the job.
    /// </summary>
    private async Task<bool> DeleteUntilGoneAsync(OperatorJob job, CancellationToken cancellationToken)
    {
        try
        {
            await Eventually.UntilAsync(
                async ct =>
                {
                    try
                    {
                        await system.Driver.DeleteAsync(job, ct);
                    }
                    catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                    {
                        // gone: an earlier delete landed and its answer was lost
                    }

                    return true;
                },
                TimeSpan.FromSeconds(120), $"{job.Name} deleted", cancellationToken);
            return true;
        }
        catch (TimeoutException e)
        {
            // The API server stayed away: the job's fate is unknown to this run, so it is judged by what it is at the end.
            journal.Write($"deleting {job.Name} did not get an answer within 120 s: {e.Message}");
            return false;
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
