using AgentJobSync.Clustering.Kubernetes.Resources;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Orleans' membership table on two custom resources: one <c>OrleansClusterVersion</c> per cluster (the table version;
/// its resourceVersion is the version ETag) and one <c>OrleansSilo</c> per silo (a row; its resourceVersion is the row
/// ETag).
/// </summary>
/// <remarks>
/// Kubernetes has no transaction over two objects, yet Orleans needs "row change + version bump" to happen together
/// or not at all. A write therefore first replaces the version object (precondition: the caller's version ETag) with
/// the new version number and the whole intended row change (the intent); only one writer per version can succeed.
/// The intent is then applied to the silo object with the row's own precondition (absent for an insert, the caller's
/// row ETag for an update), by the writer or, if the writer dies, by the next reader. Readers apply a pending intent
/// before reporting its version (and report it with rows read after that), so no reader ever sees a version without
/// the row change made at it. An intent whose precondition no longer
/// holds changes nothing but the version number (a gap, which Orleans tolerates: versions only need to grow).
/// </remarks>
public sealed partial class KubernetesMembershipTable : IMembershipTable, IDisposable
{
    private readonly KubernetesMembershipOptions options;
    private readonly string clusterId;
    private readonly ILogger<KubernetesMembershipTable> logger;
    private readonly Lazy<MembershipObjects> objects;

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
    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        // The row named by the current intent is kept: deleting it could let a late reader re-create it from the intent.
        var version = await Objects.GetVersionAsync(VersionName, CancellationToken.None).ConfigureAwait(false);
        var pendingRow = version?.Spec.Intent?.SiloObject;
        var silos = await Objects.ListSilosAsync(ResourceNames.ClusterKey(clusterId), clusterId, CancellationToken.None).ConfigureAwait(false);
        foreach (var silo in silos)
        {
            if (string.Equals(silo.Metadata.Name, pendingRow, StringComparison.Ordinal) || silo.Spec.Status != nameof(SiloStatus.Dead))
            {
                continue;
            }

            if (LastUpdate(EntryMapper.ToEntry(silo.Spec)) < beforeDate.UtcDateTime)
            {
                await Objects.DeleteSiloAsync(silo.Metadata.Name, silo.Metadata.ResourceVersion, CancellationToken.None).ConfigureAwait(false);
            }
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
        return WriteAsync(entry, expectedRowVersion: null, tableVersion);
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

    private async Task<bool> WriteAsync(MembershipEntry entry, string? expectedRowVersion, TableVersion tableVersion)
    {
        var intent = new WriteIntent
        {
            Id = Guid.NewGuid().ToString("N"),
            SiloObject = ResourceNames.SiloObject(clusterId, entry.SiloAddress),
            ExpectedResourceVersion = expectedRowVersion,
            Entry = EntryMapper.ToSpec(entry),
        };

        // An empty version ETag means "no version object": the create then plays the part of the precondition.
        var body = NewVersionObject(clusterId, tableVersion.Version, intent, tableVersion.VersionEtag);
        var bumped = string.IsNullOrEmpty(tableVersion.VersionEtag)
            ? await Objects.CreateVersionAsync(body, CancellationToken.None).ConfigureAwait(false)
            : await Objects.ReplaceVersionAsync(body, CancellationToken.None).ConfigureAwait(false);
        if (bumped is null)
        {
            LogStaleVersion(logger, entry.SiloAddress, tableVersion);
            return false;
        }

        var written = await Intents.SettleAsync(bumped, CancellationToken.None).ConfigureAwait(false);
        if (written is null)
        {
            LogStaleRow(logger, entry.SiloAddress, expectedRowVersion ?? "(insert)", tableVersion.Version);
        }

        return written is not null;
    }

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
        var ct = CancellationToken.None;
        for (var attempt = 1; ; attempt++)
        {
            var version = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
            if (version?.Spec.Intent is not null)
            {
                await Intents.SettleAsync(version, ct).ConfigureAwait(false);
            }

            var rows = await readRows(ct).ConfigureAwait(false);
            var after = await Objects.GetVersionAsync(VersionName, ct).ConfigureAwait(false);
            var stable = string.Equals(after?.Metadata.ResourceVersion, version?.Metadata.ResourceVersion, StringComparison.Ordinal);
            if (stable || attempt >= options.MaxAttempts)
            {
                if (!stable)
                {
                    LogUnstableRead(logger, clusterId, attempt);
                }

                var tableVersion = version is null ? new TableVersion(0, "") : new TableVersion(version.Spec.Version, version.Metadata.ResourceVersion);
                var members = rows.Select(r => Tuple.Create(EntryMapper.ToEntry(r.Spec), r.Metadata.ResourceVersion)).ToList();
                return new MembershipTableData(members, tableVersion);
            }

            // A write landed while reading; back off (jittered, growing) so concurrent readers and writers spread out.
            var ceiling = Math.Min(2 << Math.Min(attempt, 6), 100);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling)), ct).ConfigureAwait(false);
        }
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "membership write of {Silo} (row etag {Etag}) at version {Version} lost: the row changed or exists")]
    private static partial void LogStaleRow(ILogger logger, SiloAddress silo, string etag, int version);
}
