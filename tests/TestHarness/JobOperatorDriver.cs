using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace AgentJobSync.TestHarness;

/// <summary>
/// Drives AgentJobs as the platform's job operator does: it writes <c>status</c> with an update (PUT) of its cached copy,
/// so any write by someone else since that copy makes the API server answer 409 Conflict; the operator then drops the
/// write and never retries, and the job stays where it was. <see cref="Conflicts"/> therefore counts the writes a
/// resource writer other than the driver caused to fail; this service must cause none.
/// </summary>
public sealed class JobOperatorDriver(IKubernetes client, string ns)
{
    private const string Group = "ea.erulabs.ai";
    private const string Version = "v1";
    private const string Plural = "agentjobs";
    private int conflicts;
    private int writes;

    /// <summary>Status writes dropped on a conflict.</summary>
    public int Conflicts => Volatile.Read(ref conflicts);

    /// <summary>Status writes that landed.</summary>
    public int Writes => Volatile.Read(ref writes);

    /// <summary>The namespace the driver works in.</summary>
    public string Namespace => ns;

    /// <summary>Creates a platform-shaped AgentJob for <paramref name="owner"/> (any text: invalid owners are tests too).</summary>
    public async Task<OperatorJob> CreateAsync(string name, string owner, CancellationToken cancellationToken = default)
    {
        var spec = new JsonObject
        {
            ["agentID"] = Guid.NewGuid().ToString(),
            ["name"] = "Job " + name,
            ["creator"] = owner,
            ["nodes"] = new JsonArray(
                new JsonObject { ["alias"] = "fetch", ["type"] = "http", ["parameters"] = new JsonObject { ["url"] = "https://example.invalid" } },
                new JsonObject { ["alias"] = "summarize", ["type"] = "llm" }),
            ["edges"] = new JsonArray(new JsonObject { ["from"] = new JsonArray("fetch"), ["to"] = new JsonArray("summarize") }),
        };
        if (owner.Length > 0)
        {
            spec["user"] = owner;
        }

        var body = new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "AgentJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, Group, Version, ns, Plural, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new OperatorJob(name, owner, created);
    }

    /// <summary>
    /// Writes <paramref name="state"/> (and node statuses) from the cached copy. Returns false, counts a conflict and marks
    /// the job stalled when the API server answers 409; any other error is thrown.
    /// </summary>
    public async Task<bool> SetStateAsync(OperatorJob job, string state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Stalled)
        {
            return false;
        }

        var now = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        var canonical = JobStates.IsKnown(state) ? JobStates.Canonical(state) : state;
        var nodes = new JsonArray(
            new JsonObject { ["alias"] = "fetch", ["status"] = canonical == "Pending" ? "pending" : "done", ["output"] = new JsonObject { ["bytes"] = 42 }, ["lastUpdated"] = now },
            new JsonObject { ["alias"] = "summarize", ["status"] = canonical, ["lastUpdated"] = now });
        return await SetStatusAsync(job, state, nodes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="state"/> with exactly <paramref name="nodes"/> as <c>status.nodes</c> (any shape: bad
    /// input is a test too), from the cached copy, with the same conflict handling as <see cref="SetStateAsync"/>.
    /// </summary>
    public async Task<bool> SetStatusAsync(OperatorJob job, string state, JsonArray nodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Stalled)
        {
            return false;
        }

        var copy = job.Cached.DeepClone().AsObject();
        copy["status"] = new JsonObject { ["state"] = state, ["message"] = "moved to " + state, ["nodes"] = nodes };
        try
        {
            var written = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<JsonObject>(
                copy, Group, Version, ns, Plural, job.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            job.Cached = written;
            job.State = state;
            job.ChangedAt = DateTimeOffset.UtcNow;
            Interlocked.Increment(ref writes);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref conflicts);
            job.Stalled = true;
            return false;
        }
    }

    /// <summary>Edits <c>spec.user</c> (a spec update of the cached copy, as a person editing the job would make).</summary>
    public async Task SetOwnerAsync(OperatorJob job, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var copy = job.Cached.DeepClone().AsObject();
        copy["spec"]!["user"] = owner;
        job.Cached = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(
            copy, Group, Version, ns, Plural, job.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves <paramref name="job"/> along <paramref name="path"/>, one write per state, with a short random pause between.</summary>
    public async Task DriveAsync(OperatorJob job, IReadOnlyList<string> path, Random random, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(random);
        foreach (var state in path)
        {
            // The operator's pace: a job's steps are apart in time (work happens in between), not a synchronisation.
            int pause;
            lock (random)
            {
                pause = random.Next(20, 200);
            }

            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            if (!await SetStateAsync(job, state, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads the job again into its cached copy, as the operator's informer would after a lost answer (the API server went
    /// away mid-write: the write may or may not have landed); <see cref="OperatorJob.State"/> becomes the server's state.
    /// </summary>
    public async Task RefreshAsync(OperatorJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var current = await GetAsync(job, cancellationToken).ConfigureAwait(false);
        var state = current["status"]?["state"]?.GetValue<string>() ?? string.Empty;
        if (state != job.State)
        {
            job.State = state;
            job.ChangedAt = DateTimeOffset.UtcNow;
        }

        job.Cached = current;
    }

    /// <summary>Deletes the job.</summary>
    public Task DeleteAsync(OperatorJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, job.Name, cancellationToken: cancellationToken);
    }

    /// <summary>The job as the API server has it now.</summary>
    public Task<JsonObject> GetAsync(OperatorJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, job.Name, cancellationToken: cancellationToken);
    }
}
