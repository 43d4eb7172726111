using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace AgentJobSync.Dashboard;

/// <summary>
/// Serves the sync view's pages, script and styles from resources embedded in this assembly, so the silo needs no files
/// beside its binary and the browser fetches nothing from outside the cluster. The set of names is fixed when the silo
/// starts (every embedded asset, read once); a request for any other name is a 404 that stores nothing, so memory does not
/// grow with the names clients make up.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "AgentJobSync.Dashboard.Assets.";
    private readonly FrozenDictionary<string, byte[]> _assets = Load(typeof(DashboardAssets).Assembly);

    /// <summary>How many assets are held: every embedded one, whatever was requested.</summary>
    internal int Count => _assets.Count;

    /// <summary>Writes the named asset, or answers 404 when there is none.</summary>
    public IResult Serve(string name, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!_assets.TryGetValue(name, out var bytes))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return Results.Bytes(bytes, ContentType(name));
    }

    private static FrozenDictionary<string, byte[]> Load(Assembly assembly)
    {
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[resource[Prefix.Length..]] = copy.ToArray();
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
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
