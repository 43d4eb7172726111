namespace AgentJobSync.Silo.Lifetime;

/// <summary>
/// The first step of a stop (SIGTERM): readiness is already off (<see cref="Health.DrainingCheck"/>); this waits
/// <see cref="SiloSettings.DrainDelay"/> so that probes and endpoint controllers see the pod unready while the silo
/// still serves, before any hosted service (Orleans' silo first) stops. Says so in the log, and when the silo has left.
/// </summary>
internal sealed partial class GracefulShutdown(IHostApplicationLifetime lifetime, SiloSettings settings, TimeProvider time, ILogger<GracefulShutdown> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopped.Register(LogStopped);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Runs before every hosted service's StopAsync, inside the host's ShutdownTimeout.
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        LogStopping(settings.DrainDelay, settings.ShutdownTimeout);
        try
        {
            await Task.Delay(settings.DrainDelay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out: stop at once.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "shutdown started: readiness is off; the silo keeps serving for {DrainDelay}, then leaves the cluster gracefully (grains deactivate), all within {ShutdownTimeout}")]
    private partial void LogStopping(TimeSpan drainDelay, TimeSpan shutdownTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "silo stopped: it left the cluster")]
    private partial void LogStopped();
}
