using AgentJobSync.Clustering.Kubernetes.Resources;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Orleans' membership table on two custom resources: one <c>OrleansClusterVersion</c> per cluster (the table version;
/// its resourceVersion is the version ETag) and one <c>OrleansSilo</c> per silo (a row; its <c>spec.writeId</c> is the
/// row ETag, which only row writes change: a heartbeat, a merge patch of <c>spec.iAmAliveTime</c>, leaves it valid).
/// </summary>
/// <remarks>
/// Kubernetes has no transaction over two objects, yet Orleans needs "row change + version bump" to happen together
/// or not at all. Every row change (insert, update, and the delete of a defunct row) therefore goes through the version
/// object: the writer reads it (it must still carry the caller's version ETag), completes the change pending on it,
/// and checks the row's precondition (absent for an insert, the caller's row ETag for an update). A write that fails
/// a check returns <c>false</c> having written nothing. Otherwise it replaces the version object (precondition: the
/// caller's version ETag) with the new version number and the whole row change (the intent); only one writer per
/// version can succeed, and since no row change can slip in between, the check still holds. The intent is then applied
/// to the silo object by the writer or, if the writer dies, by the next reader. Readers apply a pending intent before
/// reporting its version (and report it with rows read after that), so no reader ever sees a version without the row
/// change made at it.
/// </remarks>
public sealed partial class KubernetesMembershipTable : IMembershipTable, IDisposable
{
    private readonly KubernetesMembershipOptions options;
    private readonly string clusterId;
    private readonly ILogger<KubernetesMembershipTable> logger;
    private readonly Lazy<MembershipObjects> objects;
    private readonly ResiliencePipeline<TableRead> unstableReads;

    /// <summary>Creates the table for the silo's <see cref="ClusterOptions.ClusterId"/>; the API server is contacted on first use.</summary>
    public KubernetesMembershipTable(
        IOptions<KubernetesMembershipOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        ILogger<KubernetesMembershipTable> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        this.options = options.Value;
        clusterId = clusterOptions.Value.ClusterId ?? throw new ArgumentException("ClusterOptions.ClusterId is required", nameof(clusterOptions));
        this.logger = logger;
        unstableReads = UnstableReadRetry(this.options.MaxAttempts);
        objects = new Lazy<MembershipObjects>(() =>
        {
            var (client, ns) = KubernetesConnection.Open(this.options);
            return new MembershipObjects(client, ns, this.options.Group);
        });
    }

    private MembershipObjects Objects => objects.Value;

    private WriteIntents Intents => new(Objects, options.MaxAttempts);

    private string VersionName => ResourceNames.VersionObject(clusterId);

    /// <inheritdoc/>
    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        if (!tryInitTableVersion)
        {
            return;
        }

        var created = await Objects.CreateVersionAsync(NewVersionObject(clusterId, 0, null, resourceVersion: null), CancellationToken.None).ConfigureAwait(false);
        LogInitialized(logger, clusterId, Objects.Namespace, created is not null);
    }

    /// <inheritdoc/>
    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        await Objects.DeleteVersionAsync(ResourceNames.VersionObject(clusterId), CancellationToken.None).ConfigureAwait(false);
        await Objects.DeleteSilosAsync(ResourceNames.ClusterKey(clusterId), CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Defunct, as Orleans' own tables judge it: any status but <see cref="SiloStatus.Active"/>, last updated before
    /// <paramref name="beforeDate"/>. Each removal is a row write at the next table version, so that it cannot slip in
    /// between another write's row check and its version bump.
    /// </remarks>
    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        var silos = await Objects.ListSilosAsync(ResourceNames.ClusterKey(clusterId), clusterId, CancellationToken.None).ConfigureAwait(false);
        foreach (var silo in silos.Where(s => IsDefunct(s.Spec, beforeDate)))
        {
            await DeleteDefunctAsync(silo.Metadata.Name, beforeDate, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = ResourceNames.SiloObject(clusterId, key);
        return ReadConsistentAsync(async ct =>
        {
            var silo = await Objects.GetSiloAsync(name, ct).ConfigureAwait(false);
            return silo is null || !string.Equals(silo.Spec.ClusterId, clusterId, StringComparison.Ordinal) ? [] : [silo];
        });
    }

    /// <inheritdoc/>
    public Task<MembershipTableData> ReadAll() =>
        ReadConsistentAsync(ct => Objects.ListSilosAsync(ResourceNames.ClusterKey(clusterId), clusterId, ct));

    /// <inheritdoc/>
    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        return WriteAsync(entry, expectedEtag: null, tableVersion);
    }

    /// <inheritdoc/>
    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        return string.IsNullOrEmpty(etag) ? Task.FromResult(false) : WriteAsync(entry, etag, tableVersion);
    }

    /// <inheritdoc/>
    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var name = ResourceNames.SiloObject(clusterId, entry.SiloAddress);
        if (!await Objects.PatchIAmAliveAsync(name, EntryMapper.FormatTime(entry.IAmAliveTime), CancellationToken.None).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"membership row of silo {entry.SiloAddress} ({name}) does not exist in cluster '{clusterId}'");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (objects.IsValueCreated)
        {
            objects.Value.Dispose();
        }
    }

    private static bool IsDefunct(SiloSpec row, DateTimeOffset beforeDate) =>
        row.Status != nameof(SiloStatus.Active) && LastUpdate(EntryMapper.ToEntry(row)) < beforeDate.UtcDateTime;

    /// <summary>The later of start, last I-am-alive and the newest suspicion vote (a death is declared by a vote).</summary>
    private static DateTime LastUpdate(MembershipEntry entry)
    {
        var latest = entry.IAmAliveTime > entry.StartTime ? entry.IAmAliveTime : entry.StartTime;
        foreach (var vote in entry.SuspectTimes ?? [])
        {
            if (vote.Item2 > latest)
            {
                latest = vote.Item2;
            }
        }

        return DateTime.SpecifyKind(latest, DateTimeKind.Utc);
    }

    private async Task<bool> WriteAsync(MembershipEntry entry, string? expectedEtag, TableVersion tableVersion)
    {
        var ct = CancellationToken.None;
        var siloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress);
        var current = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
        if (!string.Equals(current?.Metadata.ResourceVersion ?? "", tableVersion.VersionEtag ?? "", StringComparison.Ordinal))
        {
            LogStaleVersion(logger, entry.SiloAddress, tableVersion);
            return false;
        }

        if (current?.Spec.Intent is not null)
        {
            await Intents.SettleAsync(current, ct).ConfigureAwait(false);
        }

        var row = await Objects.GetSiloAsync(siloObject, ct).ConfigureAwait(false);
        if (!string.Equals(row is null ? null : row.Spec.WriteId ?? "", expectedEtag, StringComparison.Ordinal))
        {
            LogStaleRow(logger, entry.SiloAddress, expectedEtag ?? "(insert)", tableVersion.Version);
            return false;
        }

        var intent = new WriteIntent { Id = NewWriteId(), SiloObject = siloObject, ExpectedEtag = expectedEtag, Entry = EntryMapper.ToSpec(entry) };
        var committed = await CommitAsync(intent, tableVersion, ct).ConfigureAwait(false);
        if (!committed)
        {
            LogStaleVersion(logger, entry.SiloAddress, tableVersion);
        }

        return committed;
    }

    /// <summary>Removes one defunct row at the next table version, if it is still defunct; retried when another write wins the version.</summary>
    private async Task DeleteDefunctAsync(string siloObject, DateTimeOffset beforeDate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var version = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
            if (version?.Spec.Intent is not null)
            {
                await Intents.SettleAsync(version, ct).ConfigureAwait(false);
            }

            var row = await Objects.GetSiloAsync(siloObject, ct).ConfigureAwait(false);
            if (version is null || row is null || !IsDefunct(row.Spec, beforeDate))
            {
                return;
            }

            var intent = new WriteIntent { Id = NewWriteId(), SiloObject = siloObject, ExpectedEtag = row.Spec.WriteId, Delete = true, Entry = row.Spec };
            if (await CommitAsync(intent, new TableVersion(version.Spec.Version + 1, version.Metadata.ResourceVersion), ct).ConfigureAwait(false))
            {
                LogDefunctRemoved(logger, row.Spec.SiloAddress, clusterId, version.Spec.Version + 1);
                return;
            }

            if (attempt >= options.MaxAttempts)
            {
                throw new InvalidOperationException($"defunct membership row {siloObject}: not removed after {attempt} attempts (contention)");
            }
        }
    }

    /// <summary>
    /// Records <paramref name="intent"/> at <paramref name="tableVersion"/> (an empty version ETag: no version object yet,
    /// the create plays the part of the precondition) and applies it; <c>false</c> when another write had the version.
    /// </summary>
    private async Task<bool> CommitAsync(WriteIntent intent, TableVersion tableVersion, CancellationToken ct)
    {
        var body = NewVersionObject(clusterId, tableVersion.Version, intent, tableVersion.VersionEtag);
        var bumped = string.IsNullOrEmpty(tableVersion.VersionEtag)
            ? await Objects.CreateVersionAsync(body, ct).ConfigureAwait(false)
            : await Objects.ReplaceVersionAsync(body, ct).ConfigureAwait(false);
        if (bumped is null)
        {
            return false;
        }

        // An API server still serving an older OrleansClusterVersion CRD prunes the fields it does not know, and the
        // intent would then read as another kind of write: refuse to go on rather than write rows on a wrong reading.
        var stored = bumped.Spec.Intent;
        if (stored is null || !string.Equals(stored.ExpectedEtag, intent.ExpectedEtag, StringComparison.Ordinal) || stored.Delete != intent.Delete)
        {
            throw new InvalidOperationException(
                $"the {ClusterVersionObject.KindName} CRD in the API server drops spec.intent fields of this release; apply the CRDs shipped with it (k8s/crd)");
        }

        return await Intents.SettleAsync(bumped, ct).ConfigureAwait(false);
    }

    private static string NewWriteId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Reads the version, completes its intent, reads the rows and reads the version again. When the version object did
    /// not change in between, the rows are exactly those of that version. Under constant writes that may not happen
    /// within <see cref="KubernetesMembershipOptions.MaxAttempts"/>; the last answer is then returned anyway: its rows
    /// hold every change up to its version (that version's intent was completed before they were read) and perhaps
    /// later ones, and anything decided from it fails on the stale version ETag, so the view is only early, never
    /// missing a committed change.
    /// </summary>
    private async Task<MembershipTableData> ReadConsistentAsync(Func<CancellationToken, Task<IReadOnlyList<SiloObject>>> readRows)
    {
        var attempts = 0;
        var read = await unstableReads.ExecuteAsync(
            async ct =>
            {
                attempts++;
                var version = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
                if (version?.Spec.Intent is not null)
                {
                    await Intents.SettleAsync(version, ct).ConfigureAwait(false);
                }

                var rows = await readRows(ct).ConfigureAwait(false);
                var after = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
                var stable = string.Equals(after?.Metadata.ResourceVersion, version?.Metadata.ResourceVersion, StringComparison.Ordinal);
                var tableVersion = version is null ? new TableVersion(0, "") : new TableVersion(version.Spec.Version, version.Metadata.ResourceVersion);
                var members = rows.Select(r => Tuple.Create(EntryMapper.ToEntry(r.Spec), r.Spec.WriteId ?? "")).ToList();
                return new TableRead(new MembershipTableData(members, tableVersion), stable);
            },
            CancellationToken.None).ConfigureAwait(false);
        if (!read.Stable)
        {
            LogUnstableRead(logger, clusterId, attempts);
        }

        return read.Data;
    }

    /// <summary>
    /// A read during which a write landed is tried again, up to <paramref name="maxAttempts"/> reads in all, after a
    /// jittered delay growing from a few milliseconds to at most 100 so concurrent readers and writers spread out;
    /// after the last one its answer stands. Errors are not retried here (Orleans retries the whole call).
    /// </summary>
    private static ResiliencePipeline<TableRead> UnstableReadRetry(int maxAttempts)
    {
        var builder = new ResiliencePipelineBuilder<TableRead>();
        if (maxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<TableRead>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Stable: false }),
                MaxRetryAttempts = maxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(2),
                MaxDelay = TimeSpan.FromMilliseconds(100),
            });
        }

        return builder.Build();
    }

    private ClusterVersionObject NewVersionObject(string forClusterId, int version, WriteIntent? intent, string? resourceVersion) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = ResourceNames.VersionObject(forClusterId),
            NamespaceProperty = Objects.Namespace,
            ResourceVersion = string.IsNullOrEmpty(resourceVersion) ? null : resourceVersion,
            Labels = new Dictionary<string, string> { [ResourceNames.ClusterLabel] = ResourceNames.ClusterKey(forClusterId) },
        },
        Spec = new ClusterVersionSpec { ClusterId = forClusterId, Version = version, Intent = intent },
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "membership table of cluster {ClusterId} in namespace {Namespace}: version object created {Created}")]
    private static partial void LogInitialized(ILogger logger, string clusterId, string @namespace, bool created);

    [LoggerMessage(Level = LogLevel.Debug, Message = "membership table of cluster {ClusterId} changed during each of {Attempts} reads; answering with the last")]
    private static partial void LogUnstableRead(ILogger logger, string clusterId, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "membership write of {Silo} at {TableVersion} lost: the table version moved")]
    private static partial void LogStaleVersion(ILogger logger, SiloAddress silo, TableVersion tableVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "membership write of {Silo} (row etag {Etag}) at version {Version} refused: the row changed or exists; the table version is unchanged")]
    private static partial void LogStaleRow(ILogger logger, SiloAddress silo, string etag, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "defunct membership row of {Silo} removed from cluster {ClusterId} at version {Version}")]
    private static partial void LogDefunctRemoved(ILogger logger, string silo, string clusterId, int version);

    /// <summary>One read of the table and whether the version stayed the same while the rows were read.</summary>
    private sealed record TableRead(MembershipTableData Data, bool Stable);
}
