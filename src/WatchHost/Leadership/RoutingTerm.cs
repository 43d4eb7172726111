using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Hosting;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// One leadership term: a pipeline started when the lease is won and stopped when it is lost (at once: in-flight grain
/// calls are cancelled, since another replica may already route) or when the process stops (gracefully: nothing new is
/// taken and the calls in flight finish, up to a grace period).
/// </summary>
public sealed class RoutingTerm : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationTokenSource abort = new();
    private readonly RoutingPipeline pipeline;

    private RoutingTerm(RoutingPipeline pipeline)
    {
        this.pipeline = pipeline;
        Completion = Task.Run(() => pipeline.RunAsync(stop.Token, abort.Token));
    }

    /// <summary>The running pipeline's task; faults if the pipeline died.</summary>
    public Task Completion { get; }

    /// <summary>The progress of the term's loops (informer, workers, Event writer).</summary>
    public PipelineProgress Progress => pipeline.Progress;

    /// <summary>Starts a term on a new pipeline from <paramref name="factory"/>.</summary>
    public static RoutingTerm Start(RoutingPipelineFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new RoutingTerm(factory.Create());
    }

    /// <summary>Stops routing at once: nothing more is taken and in-flight calls are cancelled.</summary>
    public void Abort()
    {
        stop.Cancel();
        abort.Cancel();
    }

    /// <summary>Stops taking work, lets in-flight calls finish for up to <paramref name="grace"/>, then aborts.</summary>
    public async Task StopGracefullyAsync(TimeSpan grace)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (await Task.WhenAny(Completion, Task.Delay(grace)).ConfigureAwait(false) != Completion)
        {
            await abort.CancelAsync().ConfigureAwait(false);
        }

        await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Abort();
        await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        pipeline.Dispose();
        stop.Dispose();
        abort.Dispose();
    }
}
