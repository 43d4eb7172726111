using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentJobSync.WatchHost.Model;
using k8s;
using k8s.Autorest;
using Polly;

namespace AgentJobSync.WatchHost.Informer;

/// <summary>
/// Lists and watches AgentJobs (<c>ea.erulabs.ai/v1</c>, <c>agentjobs</c>) through <c>KubernetesClient</c>'s custom
/// objects API, as raw JSON so that no typed deserializer can throw on a malformed object; every object goes through
/// <see cref="AgentJobParser"/>. Read-only: this class has no call that writes an AgentJob.
/// </summary>
public sealed class KubernetesAgentJobSource(IKubernetes client, InformerOptions options) : IAgentJobSource
{
    // Each list page has a deadline, body included (the client's own timeout ends when the response headers arrive).
    private readonly ResiliencePipeline pageDeadline = new ResiliencePipelineBuilder().AddTimeout(options.RequestTimeout).Build();

    /// <summary>The AgentJob API group.</summary>
    public const string Group = "ea.erulabs.ai";

    /// <summary>The served version.</summary>
    public const string Version = "v1";

    /// <summary>The resource's plural name.</summary>
    public const string Plural = "agentjobs";

    /// <inheritdoc/>
    public async Task<AgentJobListing> ListAsync(string? ns, CancellationToken cancellationToken)
    {
        var items = new List<AgentJob>();
        var unreadable = 0;
        string? continueToken = null;
        string? version;
        do
        {
            JsonElement page;
            try
            {
                page = await pageDeadline.ExecuteAsync(
                    async (token, ct) => ns is null
                        ? await client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(
                            Group, Version, Plural, continueParameter: token, limit: options.ListPageSize,
                            cancellationToken: ct).ConfigureAwait(false)
                        : await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(
                            Group, Version, ns, Plural, continueParameter: token, limit: options.ListPageSize,
                            cancellationToken: ct).ConfigureAwait(false),
                    continueToken,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                // The continue token of a long list expired: the whole list starts over.
                throw new ResourceExpiredException(e.Message, e);
            }

            if (page.TryGetProperty("items", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (AgentJobParser.TryParse(item, out var job))
                    {
                        items.Add(job);
                    }
                    else
                    {
                        unreadable++;
                    }
                }
            }

            var metadata = page.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            version = StringProperty(metadata, "resourceVersion");
            continueToken = StringProperty(metadata, "continue");
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new AgentJobListing(items, version ?? throw new InvalidOperationException("the list has no resourceVersion"), unreadable);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AgentJobWatchEvent> WatchAsync(
        string? ns, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var timeoutSeconds = (int)Math.Max(1, options.WatchTimeout.TotalSeconds);
        // The client reports ERROR events carrying a Status (410 "too old resource version" among them) through the
        // error callback and keeps reading; the server closes the stream after one, so the error is checked after each step.
        Exception? streamError = null;
        void OnError(Exception e) => streamError ??= e;
        var stream = ns is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(
                Group, Version, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                Group, Version, ns, Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cancellationToken);
        var events = stream.GetAsyncEnumerator(cancellationToken);
        await using (events.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
                {
                    throw new ResourceExpiredException(e.Message, e);
                }

                ThrowIfFailed(streamError);
                if (!more)
                {
                    yield break;
                }

                // The untyped watch hands each object over as the JsonElement it was read into.
                var (type, obj) = events.Current;
                if (obj is JsonElement json && Translate(type, json) is { } change)
                {
                    yield return change;
                }
            }
        }
    }

    private static AgentJobWatchEvent? Translate(WatchEventType type, JsonElement obj)
    {
        switch (type)
        {
            case WatchEventType.Bookmark:
                var metadata = obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("metadata", out var m) ? m : default;
                return new AgentJobWatchEvent(WatchChange.Bookmark, null, StringProperty(metadata, "resourceVersion"));
            case WatchEventType.Error:
                ThrowStatus(obj);
                return null;
            case WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted:
                // An object without namespace, name or uid has no key and no grain: skipped (the API server never sends one).
                if (!AgentJobParser.TryParse(obj, out var job))
                {
                    return null;
                }

                var change = type switch
                {
                    WatchEventType.Added => WatchChange.Added,
                    WatchEventType.Modified => WatchChange.Modified,
                    _ => WatchChange.Deleted,
                };
                return new AgentJobWatchEvent(change, job, job.ResourceVersion);
            default:
                return null;
        }
    }

    private static void ThrowIfFailed(Exception? error)
    {
        switch (error)
        {
            case null:
                return;
            case KubernetesException { Status.Code: (int)HttpStatusCode.Gone } gone:
                throw new ResourceExpiredException(gone.Message, gone);
            default:
                throw new IOException("the watch stream reported an error", error);
        }
    }

    // An ERROR event whose object the client did not recognise as a Status (no kind): read the code ourselves.
    private static void ThrowStatus(JsonElement status)
    {
        var code = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
        var message = status.ValueKind == JsonValueKind.Object ? StringProperty(status, "message") : null;
        if (code == (int)HttpStatusCode.Gone)
        {
            throw new ResourceExpiredException(message ?? "410 Gone");
        }

        throw new IOException(string.Create(CultureInfo.InvariantCulture, $"watch error {code}: {message}"));
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
