using AgentJobSync.Grains.Domain;
using CsCheck;

namespace AgentJobSync.Grains.Tests;

public sealed class TransitionRulesTests
{
    private static readonly Gen<JobState> State = Gen.Enum<JobState>();
    private static readonly Gen<FeatureFlags> Flags = Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool)
        .Select((n, i, c, e) => new FeatureFlags(n, i, c, e));

    [Fact]
    public void Any_sequence_of_observations_persists_a_monotonic_sequence_that_stops_at_the_first_terminal_state()
    {
        Gen.Select(State.Array[0, 30], Flags).Sample((observations, flags) =>
        {
            JobState? persisted = null;
            var written = new List<JobState>();
            foreach (var observed in observations)
            {
                var transition = TransitionRules.Decide(persisted, observed, flags);
                if (transition.Target is { } target)
                {
                    written.Add(target);
                    persisted = target;
                }
            }

            var increasing = written.Zip(written.Skip(1)).All(p => p.First < p.Second);
            var terminalIsLast = written.FindIndex(JobStates.IsTerminal) is var t && (t < 0 || t == written.Count - 1);
            var onlyEnabled = written.Skip(1).All(flags.Writes);
            return increasing && terminalIsLast && onlyEnabled;
        });
    }

    [Fact]
    public void With_every_flag_on_the_entry_ends_in_the_highest_state_seen_before_the_first_terminal()
    {
        State.Array[1, 20].Sample(observations =>
        {
            JobState? persisted = null;
            foreach (var observed in observations)
            {
                persisted = TransitionRules.Decide(persisted, observed, FeatureFlags.AllOn).Target ?? persisted;
            }

            var firstTerminal = Array.FindIndex(observations, JobStates.IsTerminal);
            var expected = firstTerminal >= 0 ? observations[firstTerminal] : observations.Max();
            return persisted == expected;
        });
    }

    [Fact]
    public void Replaying_or_reordering_never_moves_an_entry_back()
    {
        Assert.Equal(SyncReason.UpToDate, TransitionRules.Decide(JobState.Executing, JobState.Pending, FeatureFlags.AllOn).Reason);
        Assert.Equal(SyncReason.UpToDate, TransitionRules.Decide(JobState.Executing, JobState.Executing, FeatureFlags.AllOn).Reason);
        Assert.Equal(SyncReason.UpToDate, TransitionRules.Decide(JobState.Complete, JobState.Error, FeatureFlags.AllOn).Reason);
        Assert.Equal(SyncReason.UpToDate, TransitionRules.Decide(JobState.Error, JobState.Complete, FeatureFlags.AllOn).Reason);
        Assert.Equal(JobState.Complete, TransitionRules.Decide(JobState.New, JobState.Complete, FeatureFlags.AllOn).Target);
    }

    [Fact]
    public void A_disabled_state_is_never_written_and_a_new_entry_falls_back_to_an_enabled_state()
    {
        var noCompleted = new FeatureFlags(CompletedJobs: false);
        var noInactive = new FeatureFlags(InactiveJobs: false);
        var noError = new FeatureFlags(ErrorJobs: false);

        Assert.Equal(new Transition(null, SyncReason.FeatureDisabled), TransitionRules.Decide(JobState.Executing, JobState.Complete, noCompleted));
        Assert.Equal(JobState.Executing, TransitionRules.Decide(null, JobState.Complete, noCompleted).Target);
        Assert.Equal(JobState.New, TransitionRules.Decide(null, JobState.Pending, noInactive).Target);
        Assert.Equal(JobState.Executing, TransitionRules.Decide(null, JobState.Error, noError).Target);
        Assert.Equal(new Transition(null, SyncReason.FeatureDisabled), TransitionRules.Decide(null, JobState.Executing, new FeatureFlags(NewJobs: false)));
        Assert.Equal(JobState.Complete, TransitionRules.Decide(JobState.Pending, JobState.Complete, new FeatureFlags(NewJobs: false)).Target);
    }
}
