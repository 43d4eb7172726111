using System.Globalization;
using AgentJobSync.Clustering.Kubernetes.Resources;
using Orleans;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Converts between Orleans' <see cref="MembershipEntry"/> and its JSON form, field by field, so that every field
/// round-trips exactly (times to the tick, in UTC) and the stored form stays readable.
/// </summary>
internal static class EntryMapper
{
    public static MembershipEntrySpec ToSpec(MembershipEntry entry) => Fill(new MembershipEntrySpec(), entry);

    public static SiloSpec ToSiloSpec(MembershipEntrySpec entry, string clusterId, int tableVersion, string writeId)
    {
        var spec = new SiloSpec
        {
            ClusterId = clusterId,
            TableVersion = tableVersion,
            WriteId = writeId,
            SiloAddress = entry.SiloAddress,
            HostName = entry.HostName,
            SiloName = entry.SiloName,
            Status = entry.Status,
            ProxyPort = entry.ProxyPort,
            RoleName = entry.RoleName,
            UpdateZone = entry.UpdateZone,
            FaultZone = entry.FaultZone,
            StartTime = entry.StartTime,
            IAmAliveTime = entry.IAmAliveTime,
            SuspectTimes = entry.SuspectTimes is null ? null : [.. entry.SuspectTimes],
        };
        return spec;
    }

    public static MembershipEntry ToEntry(MembershipEntrySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.FromParsableString(spec.SiloAddress),
            HostName = spec.HostName ?? "",
            SiloName = spec.SiloName ?? "",
            Status = Enum.Parse<SiloStatus>(spec.Status),
            ProxyPort = spec.ProxyPort,
            RoleName = spec.RoleName,
            UpdateZone = spec.UpdateZone,
            FaultZone = spec.FaultZone,
            StartTime = ParseTime(spec.StartTime),
            IAmAliveTime = ParseTime(spec.IAmAliveTime),
            SuspectTimes = spec.SuspectTimes?
                .Select(v => Tuple.Create(SiloAddress.FromParsableString(v.SiloAddress), ParseTime(v.Time)))
                .ToList(),
        };
    }

    /// <summary>UTC, ISO 8601 round-trip ("O"). A time without a kind is taken as UTC, as Orleans itself does.</summary>
    public static string FormatTime(DateTime time)
    {
        var utc = time.Kind switch
        {
            DateTimeKind.Utc => time,
            DateTimeKind.Local => time.ToUniversalTime(),
            _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        };
        return utc.ToString("O", CultureInfo.InvariantCulture);
    }

    private static DateTime ParseTime(string? text) => string.IsNullOrEmpty(text)
        ? default
        : DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static MembershipEntrySpec Fill(MembershipEntrySpec spec, MembershipEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        spec.SiloAddress = entry.SiloAddress.ToParsableString();
        spec.HostName = entry.HostName;
        spec.SiloName = entry.SiloName;
        spec.Status = entry.Status.ToString();
        spec.ProxyPort = entry.ProxyPort;
        spec.RoleName = entry.RoleName;
        spec.UpdateZone = entry.UpdateZone;
        spec.FaultZone = entry.FaultZone;
        spec.StartTime = FormatTime(entry.StartTime);
        spec.IAmAliveTime = FormatTime(entry.IAmAliveTime);
        spec.SuspectTimes = entry.SuspectTimes?
            .Select(v => new SuspectVoteSpec { SiloAddress = v.Item1.ToParsableString(), Time = FormatTime(v.Item2) })
            .ToList();
        return spec;
    }
}
