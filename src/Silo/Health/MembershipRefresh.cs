using Polly;
using Polly.Timeout;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Brings this silo's membership view up to date from the table before readiness judges it, at most once per
/// <see cref="RefreshEvery"/> however often the probes come, and given up after <see cref="Timeout"/>. Orleans refreshes
/// its view only now and then; a silo that was frozen (stopped process, paused VM) would otherwise answer ready from
/// the view it had before, though the others declared it Dead meanwhile. Reading the table makes it see that at once
/// (and stop, as Orleans does when it finds itself dead).
/// </summary>
internal sealed class MembershipRefresh(IClusterMembershipService membership, TimeProvider time)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly ThrottledCheck<string?> check = new(time, RefreshEvery, Timeout, deadline => RefreshOnceAsync(membership, deadline));

    /// <summary>Completes once the view was read from the table: <c>null</c>, or why it could not be (the view is then the last one read).</summary>
    public Task<string?> RefreshAsync() => check.RunAsync();

    private static async Task<string?> RefreshOnceAsync(IClusterMembershipService membership, ResiliencePipeline deadline)
    {
        try
        {
            await deadline.ExecuteAsync(async ct => await membership.Refresh(default, ct).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutRejectedException)
        {
            return $"the membership table did not answer within {Timeout}";
        }
#pragma warning disable CA1031 // Any failure to read the table leaves the last view to judge; readiness reports it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"the membership table could not be read: {e.GetType().Name}";
        }
    }
}
