using System.Text.Json;
using System.Text.Json.Serialization;
using AgentJobSync.Dashboard.Figures;
using AgentJobSync.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentJobSync.Dashboard.Api;

/// <summary>
/// The sync view's JSON API under <c>/dashboard/api</c>: job search through <see cref="IJobDirectoryGrain"/> (no grain
/// activated per result), one job's detail from its grain, and every silo's figures. The page polls it.
/// </summary>
internal static class SyncApiEndpoints
{
    /// <summary>The largest page a search answers.</summary>
    public const int MaxLimit = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/jobs", SearchAsync);
        api.MapGet("/jobs/{uid}", DetailAsync);
        api.MapGet("/figures", async (ClusterFiguresReader figures) => Results.Json(await figures.ReadAsync().ConfigureAwait(false), Json));
    }

    private static async Task<IResult> SearchAsync(
        IGrainFactory grains, string? uid, string? owner, string? @namespace, string? name, bool? notInSync, string? after, int? limit)
    {
        var size = Math.Clamp(limit ?? 100, 1, MaxLimit);
        var query = new JobQuery
        {
            Uid = Blank(uid),
            Owner = Blank(owner),
            Namespace = Blank(@namespace),
            Name = Blank(name),
            NotInSyncOnly = notInSync ?? false,
            AfterUid = Blank(after),
            Limit = size,
        };
        var jobs = await grains.GetGrain<IJobDirectoryGrain>(0).FindAsync(query).ConfigureAwait(false);
        return Results.Json(new JobPage(jobs, jobs.Length == size ? jobs[^1].Uid : null), Json);
    }

    // The directory first, so an unknown UID answers 404 instead of activating a grain for a job nobody has seen.
    private static async Task<IResult> DetailAsync(IGrainFactory grains, string uid)
    {
        var found = await grains.GetGrain<IJobDirectoryGrain>(0).FindAsync(new JobQuery { Uid = uid, Limit = 1 }).ConfigureAwait(false);
        if (found.IsDefaultOrEmpty)
        {
            return Results.Json(new { error = $"no job with uid {uid} is known to the cluster" }, Json, statusCode: StatusCodes.Status404NotFound);
        }

        var inspection = await grains.GetGrain<IAgentJobGrain>(uid).InspectAsync().ConfigureAwait(false);
        return Results.Json(JobDetail.From(inspection, found[0].IsInSync), Json);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
