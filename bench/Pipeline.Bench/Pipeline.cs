using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentJobSync.Grains;
using AgentJobSync.TestHarness;
using k8s;
using k8s.Models;
using Orleans;

namespace AgentJobSync.Bench;

/// <summary>
/// The full path, API server → watch host → grains → database, with the processes as they ship: the sustained rate
/// of transitions and the open-loop lag from a status write to the persisted entry (the grain's timeline records when
/// each transition was written; the bench records when it wrote the status, on the same clock).
/// </summary>
internal sealed class Pipeline(IKubernetes kube, string ns, UserDocuments users, IClusterClient orleans, IReadOnlyList<int> siloPorts)
{
    private static readonly string[] Path = ["inactive", "executing", "completed"];

    /// <summary>Creates <paramref name="count"/> jobs over <paramref name="owners"/> and waits until each has its entry.</summary>
    public async Task<List<(string Name, string Uid)>> CreateJobsAsync(string prefix, int count, IReadOnlyList<string> owners, TimeSpan timeout)
    {
        var mark = await PersistedAsync("New");
        var jobs = new ConcurrentBag<(string, string)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var name = $"{prefix}-{i}";
            jobs.Add((name, await BenchJobs.CreateAsync(kube, ns, name, owners[i % owners.Count])));
        });
        var created = jobs.ToList();
        await WaitForAsync(created.Select(j => j.Item2), "New", timeout, mark);
        return created;
    }

    /// <summary>Every job through three transitions, as fast as the writers go; transitions per second until all are persisted.</summary>
    public async Task<(double Rate, double Seconds)> SustainedRateAsync(IReadOnlyList<(string Name, string Uid)> jobs, int writers, TimeSpan timeout)
    {
        var mark = await PersistedAsync("Complete");
        var watch = Stopwatch.StartNew();
        foreach (var state in Path)
        {
            await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (job, _) => await SetStateAsync(job.Name, state));
        }

        await WaitForAsync(jobs.Select(j => j.Uid), "Complete", timeout, mark);
        return (jobs.Count * Path.Length / watch.Elapsed.TotalSeconds, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Offers status changes at <paramref name="perSecond"/> (open loop: on schedule, whatever the service does) for
    /// every job's three transitions, then reads each persisted transition's time from the grains' timelines.
    /// Returns the offered rate achieved and the lags in milliseconds.
    /// </summary>
    public async Task<(double Offered, List<double> LagsMs, int Missing)> OpenLoopLagAsync(IReadOnlyList<(string Name, string Uid)> jobs, double perSecond, TimeSpan timeout)
    {
        var mark = await PersistedAsync("Complete");
        var schedule = Path.SelectMany((state, round) => jobs.Select(job => (job, state, round))).ToList();
        var written = new ConcurrentDictionary<(string Uid, string State), DateTimeOffset>();
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(64);
        var inFlight = new List<Task>();
        for (var i = 0; i < schedule.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            if (due > clock.Elapsed)
            {
                // Pacing the offered load (open loop), not waiting for the system under test.
                await Task.Delay(due - clock.Elapsed);
            }

            var (job, state, _) = schedule[i];
            await gate.WaitAsync();
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    await SetStateAsync(job.Name, state);
                    written[(job.Uid, JobStates.Canonical(state))] = DateTimeOffset.UtcNow;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var offered = schedule.Count / clock.Elapsed.TotalSeconds;
        await WaitForAsync(jobs.Select(j => j.Uid), "Complete", timeout, mark);

        var lags = new List<double>();
        var missing = 0;
        foreach (var job in jobs)
        {
            var timeline = (await orleans.GetGrain<IAgentJobGrain>(job.Uid).InspectAsync()).Timeline;
            foreach (var state in Path.Select(JobStates.Canonical))
            {
                var persisted = timeline.FirstOrDefault(t => t.State.ToString() == state);
                if (persisted is null || !written.TryGetValue((job.Uid, state), out var at))
                {
                    missing++;
                    continue;
                }

                lags.Add(Math.Max(0, (persisted.PersistedAt - at).TotalMilliseconds));
            }
        }

        return (offered, lags, missing);
    }

    /// <summary>Merge-patches <c>status.state</c> of the job named <paramref name="name"/>.</summary>
    public Task SetStateAsync(string name, string state) => BenchJobs.SetStateAsync(kube, ns, name, state);

    /// <summary>Transitions to <paramref name="status"/> the silos have persisted so far (their own counter).</summary>
    public Task<double> PersistedAsync(string status) =>
        Scrape.SumAsync(siloPorts, "agentjob_transitions_persisted_total", $"state=\"{status}\"");

    /// <summary>
    /// Waits until every job's entry shows <paramref name="status"/> or <paramref name="limit"/> has passed, and returns
    /// how many do not show it then. Reading every user document is itself a load on the database (10,000 documents
    /// at scale), so it first waits, on the silos' cheap counter, for as many transitions to <paramref name="status"/>
    /// since <paramref name="mark"/> as there are jobs; the documents, what the front end reads, then decide.
    /// </summary>
    public async Task<int> CountBehindAfterAsync(IEnumerable<string> uids, string status, TimeSpan limit, double mark)
    {
        var pending = uids.ToHashSet(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        // Polling intervals of a bench, not a test's synchronisation. Every 200 ms: the sustained phase lasts seconds, so
        // a coarser poll would add its error to the rate. (Scraping costs the silos CPU, mostly Orleans' directory-cache
        // gauge in a CPU trace, but polling once a second instead left the CPU per transition unchanged: 5.90 vs 5.93 ms.)
        while (clock.Elapsed < limit && await PersistedAsync(status) - mark < pending.Count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        // At least one reading of the documents, so a wait that ran out still counts what did converge.
        do
        {
            var entries = await users.EntriesAsync(CancellationToken.None);
            pending.RemoveWhere(uid => entries.TryGetValue(uid, out var e) && UserDocuments.Status(e.Entry) == status);
            if (pending.Count > 0 && clock.Elapsed < limit)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
        while (pending.Count > 0 && clock.Elapsed < limit);

        return pending.Count;
    }

    /// <summary>Like <see cref="CountBehindAfterAsync"/>, failing when any job is still behind after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(IEnumerable<string> uids, string status, TimeSpan timeout, double mark)
    {
        var behind = await CountBehindAfterAsync(uids, status, timeout, mark);
        if (behind > 0)
        {
            throw new TimeoutException($"{behind} entries did not reach {status} within {timeout}");
        }
    }
}
