using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Model;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.WatchHost.Events;

/// <summary>
/// Reports about jobs as <c>events.k8s.io/v1</c> Events regarding the AgentJob (its uid and resourceVersion in the
/// reference) — separate objects, so the AgentJob itself is never written (see "Hands off the AgentJob"). Reports
/// pass the <see cref="EventGate"/> at once and wait in a bounded backlog; <see cref="RunAsync"/> writes them. A report
/// the full backlog cannot take is dropped and counted; a failed write is logged and counted, never retried into the
/// routing path. A series whose first Event was dropped or failed starts again with a new Event.
/// </summary>
public sealed partial class KubernetesEventRecorder : IJobEventSink, IDisposable
{
    private readonly IKubernetes client;
    private readonly EventGate gate;
    private readonly EventOptions options;
    private readonly WatchHostMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Channel<Pending> backlog;

    /// <summary>Creates the recorder; call <see cref="RunAsync"/> to write what is reported.</summary>
    public KubernetesEventRecorder(IKubernetes client, EventOptions options, WatchHostMetrics metrics, TimeProvider time, ILogger<KubernetesEventRecorder> logger)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        gate = new EventGate(options, time);
        Progress = new LoopProgress("Event writer", time);
        // Wait mode so that TryWrite answers false when the backlog is full (DropWrite would drop and answer true).
        backlog = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Backlog)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Advanced whenever a write ends, written or failed.</summary>
    public LoopProgress Progress { get; }

    /// <summary>Events waiting to be written.</summary>
    public int Backlog => backlog.Reader.Count;

    /// <inheritdoc/>
    public void Report(AgentJob job, JobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(jobEvent);
        var decision = gate.Decide(job.Uid, job.Name, jobEvent);
        if (decision.Action == EventAction.RateLimited)
        {
            metrics.KubeEvent("rate_limited");
            return;
        }

        if (!backlog.Writer.TryWrite(new Pending(job, jobEvent, decision, time.GetUtcNow())))
        {
            metrics.KubeEvent("dropped");
            if (decision.Action == EventAction.Create)
            {
                // The Event will not exist: the next report of this series must create it, not patch a missing object.
                gate.Forget(job.Uid, jobEvent, decision.Name);
            }
        }
    }

    /// <summary>Writes reported events until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var pending in backlog.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await WriteAsync(pending, cancellationToken).ConfigureAwait(false);
                Progress.Advanced();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task WriteAsync(Pending pending, CancellationToken cancellationToken)
    {
        var (job, jobEvent, decision, at) = pending;
        try
        {
            if (decision.Action == EventAction.Create)
            {
                await client.EventsV1.CreateNamespacedEventAsync(NewEvent(job, jobEvent, decision.Name, at), job.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                metrics.KubeEvent("written");
            }
            else
            {
                var series = new JsonObject
                {
                    ["series"] = new JsonObject
                    {
                        ["count"] = decision.Count,
                        ["lastObservedTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                    },
                    ["note"] = Truncate(jobEvent.Note),
                };
                await client.EventsV1.PatchNamespacedEventAsync(
                    new V1Patch(series.ToJsonString(), V1Patch.PatchType.MergePatch), decision.Name, job.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                metrics.KubeEvent("deduplicated");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // An Event is advisory: any failure to write one is logged and routing goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (decision.Action == EventAction.Create)
            {
                gate.Forget(job.Uid, jobEvent, decision.Name);
            }

            metrics.KubeEvent("failed");
            LogWriteFailed(logger, e, jobEvent.Type, jobEvent.Reason, job.Namespace, job.Name);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => gate.Dispose();

    private Eventsv1Event NewEvent(AgentJob job, JobEvent jobEvent, string name, DateTimeOffset at) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = job.Namespace },
        EventTime = at.UtcDateTime,
        Type = jobEvent.Type,
        Reason = jobEvent.Reason,
        Action = "Sync",
        Note = Truncate(jobEvent.Note),
        ReportingController = options.ReportingController,
        ReportingInstance = options.ReportingInstance,
        Regarding = new V1ObjectReference
        {
            ApiVersion = "ea.erulabs.ai/v1",
            Kind = "AgentJob",
            Name = job.Name,
            NamespaceProperty = job.Namespace,
            Uid = job.Uid,
            ResourceVersion = job.ResourceVersion,
        },
    };

    // The API server rejects notes over 1 kB.
    private static string Truncate(string note) => note.Length <= 1000 ? note : note[..997] + "...";

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not write {Type} event {Reason} about AgentJob {Namespace}/{Name}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string type, string reason, string @namespace, string name);

    private sealed record Pending(AgentJob Job, JobEvent Event, EventDecision Decision, DateTimeOffset At);
}
