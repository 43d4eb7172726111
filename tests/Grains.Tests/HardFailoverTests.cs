using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// A silo that hosts grains dies without a graceful stop in the middle of a stream of observations: its grains come back
/// on the other silos from their stored bookkeeping and the document, and every job converges with no backward write.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HardFailoverTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_a_silo_mid_stream_moves_its_grains_and_every_job_converges()
    {
        var plan = await JobPlan.CreateAsync(fixture.Users, jobs: 60, owners: 4, seed: 4242);
        var cluster = await ClusterFixture.DeployAsync(fixture.Mongo.Url, silos: 3, FastFailureDetection.Apply);
        try
        {
            // Every job's first observation activates its grain somewhere; pick the secondary silo hosting the most.
            await Delivery.DeliverAsync([.. plan.Jobs.Select(j => j.Observations[0])], [cluster], parallelism: 16);
            var placements = await Task.WhenAll(plan.Jobs.Select(async j => (j.Uid, (await cluster.GrainFactory.GetGrain<IAgentJobGrain>(j.Uid).InspectAsync()).Silo)));
            var victim = cluster.SecondarySilos.MaxBy(s => placements.Count(p => p.Silo == s.SiloAddress.ToString()))!;
            var moved = placements.Where(p => p.Silo == victim.SiloAddress.ToString()).Select(p => p.Uid).ToHashSet();
            Assert.NotEmpty(moved);

            // The rest of the stream, shuffled and duplicated; a third of the way through, the victim is killed.
            var rest = JobPlan.Shuffle(plan.Jobs.SelectMany(j => j.Observations.Skip(1)).SelectMany(o => new[] { o, o }), new Random(7));
            var killAt = rest.Count / 3;
            var kill = new TaskCompletionSource();
            var delivered = 0;
            var stream = Delivery.DeliverAsync(rest, [cluster], parallelism: 16, onDelivered: () =>
            {
                if (Interlocked.Increment(ref delivered) == killAt)
                {
                    kill.TrySetResult();
                }
            });
            await Task.WhenAny(kill.Task, stream);
            await cluster.KillSiloAsync(victim);
            var failures = await stream;
            output.WriteLine($"{rest.Count} observations, silo {victim.SiloAddress} killed after {killAt}; {failures} calls failed and were redelivered; {moved.Count} grains moved");

            // Level-triggered: the watch host's resync delivers every job's current state once more.
            await Delivery.DeliverAsync([.. plan.Jobs.Select(j => j.Observations[^1])], [cluster], parallelism: 16);
            await plan.AssertConvergedAsync(fixture.Users, ClusterFixture.Writes);
            foreach (var uid in moved)
            {
                var inspection = await cluster.GrainFactory.GetGrain<IAgentJobGrain>(uid).InspectAsync();
                Assert.NotEqual(victim.SiloAddress.ToString(), inspection.Silo);
                Assert.True(inspection.EntryCreated, $"{uid}: the reactivated grain does not know its entry");
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Probe settings that declare a killed silo dead in seconds rather than the production minute.</summary>
    private sealed class FastFailureDetection : ISiloConfigurator, IClientBuilderConfigurator
    {
        public static void Apply(TestClusterBuilder builder)
        {
            builder.AddSiloBuilderConfigurator<FastFailureDetection>();
            builder.AddClientBuilderConfigurator<FastFailureDetection>();
        }

        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        }

        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }
}
