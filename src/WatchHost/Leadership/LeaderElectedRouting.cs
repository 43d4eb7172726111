using AgentJobSync.WatchHost.Hosting;
using AgentJobSync.WatchHost.Metrics;
using k8s.LeaderElection;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// Runs the routing pipeline only while this replica holds the Lease, so exactly one replica routes. A term starts when
/// the lease is won; when it is lost (renewal failed within the renew deadline) the pipeline is aborted at once and the
/// replica campaigns again. On SIGTERM it stops taking work, lets in-flight grain calls finish, and releases the lease
/// so a standby takes over at its next retry. If the loop itself dies, liveness fails and the process stops.
/// </summary>
public sealed partial class LeaderElectedRouting(
    ObservedLeaseLock leaseLock, LeaseSettings lease, RoutingPipelineFactory factory, RoutingStatus status, LeaseReleaser releaser,
    WatchHostMetrics metrics, IHostApplicationLifetime lifetime, ILogger<LeaderElectedRouting> logger) : BackgroundService
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly Lock gate = new();
    private RoutingTerm? term;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveLeader(() => status.Role == RoutingRole.Leader ? 1 : 0);
        try
        {
            await CampaignAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogDied(logger, e);
            status.Died(e);
            lifetime.StopApplication();
            throw;
        }
        finally
        {
            if (TakeTerm() is { } last)
            {
                LogStopping(logger, lease.Identity);
                await last.StopGracefullyAsync(Grace).ConfigureAwait(false);
                await last.DisposeAsync().ConfigureAwait(false);
                using var releaseTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await releaser.ReleaseAsync(releaseTimeout.Token).ConfigureAwait(false);
            }

            if (status.Fault is null)
            {
                status.Stopped();
            }
        }
    }

    private async Task CampaignAsync(CancellationToken stoppingToken)
    {
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = lease.Duration,
            RenewDeadline = lease.RenewDeadline,
            RetryPeriod = lease.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += StartTerm;
        elector.OnStoppedLeading += () =>
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                LogLost(logger, lease.Namespace, lease.Name, lease.Identity);
                lock (gate)
                {
                    term?.Abort();
                }
            }
        };
        elector.OnNewLeader += leader => LogNewLeader(logger, lease.Namespace, lease.Name, leader ?? "", leader == lease.Identity);
        while (!stoppingToken.IsCancellationRequested)
        {
            status.Campaigning();
            LogCampaigning(logger, lease.Namespace, lease.Name, lease.Identity);
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The API server being unreachable while campaigning is not fatal: campaign again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogElectionFailed(logger, e, lease.Namespace, lease.Name);
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (TakeTerm() is { } ended)
            {
                await ended.DisposeAsync().ConfigureAwait(false);
                LogTermEnded(logger, lease.Identity);
            }

            await Task.Delay(lease.RetryPeriod, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void StartTerm()
    {
        RoutingTerm started;
        lock (gate)
        {
            started = term = RoutingTerm.Start(factory);
        }

        status.Leading(started.Progress);
        LogLeading(logger, lease.Namespace, lease.Name, lease.Identity);
        _ = started.Completion.ContinueWith(
            t =>
            {
                LogDied(logger, t.Exception!);
                status.Died(t.Exception!);
                lifetime.StopApplication();
            },
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private RoutingTerm? TakeTerm()
    {
        lock (gate)
        {
            var taken = term;
            term = null;
            return taken;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "campaigning for the lease {Namespace}/{Name} as {Identity}")]
    private static partial void LogCampaigning(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "leading: {Identity} holds the lease {Namespace}/{Name}; routing AgentJobs to their grains")]
    private static partial void LogLeading(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "lost the lease {Namespace}/{Name} ({Identity} could not renew it in time); stopped routing at once")]
    private static partial void LogLost(ILogger logger, string @namespace, string name, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "routing stopped for {Identity}; campaigning again")]
    private static partial void LogTermEnded(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "the lease {Namespace}/{Name} is held by {Leader} (this replica: {IsThis})")]
    private static partial void LogNewLeader(ILogger logger, string @namespace, string name, string leader, bool isThis);

    [LoggerMessage(Level = LogLevel.Warning, Message = "campaigning for the lease {Namespace}/{Name} failed; trying again")]
    private static partial void LogElectionFailed(ILogger logger, Exception exception, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: {Identity} takes no new work, finishes the grain calls in flight, then releases the lease")]
    private static partial void LogStopping(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the routing loop died; liveness fails and the process stops")]
    private static partial void LogDied(ILogger logger, Exception exception);
}
