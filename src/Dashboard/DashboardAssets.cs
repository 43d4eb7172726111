using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace AgentJobSync.Dashboard;

/// <summary>
/// Serves the sync view's pages, script and styles from resources embedded in this assembly, so the silo needs no files
/// beside its binary and the browser fetches nothing from outside the cluster.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "AgentJobSync.Dashboard.Assets.";
    private readonly ConcurrentDictionary<string, byte[]?> _cache = new(StringComparer.Ordinal);

    /// <summary>Writes the named asset, or answers 404 when there is none.</summary>
    public IResult Serve(string name, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var bytes = _cache.GetOrAdd(name, Load);
        if (bytes is null)
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return Results.Bytes(bytes, ContentType(name));
    }

    private static byte[]? Load(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(Prefix + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
