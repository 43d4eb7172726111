using System.Collections.Concurrent;

namespace AgentJobSync.Grains.Tests;

/// <summary>
/// An incoming call filter on the test silos that records, per AgentJob grain, which activations served its calls and
/// how many calls ran at the same time: the evidence that one job has one activation and that its calls never overlap.
/// </summary>
public sealed class CallRecorder : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, GrainCalls> Calls = new();

    /// <summary>What was recorded for the job with this UID (empty if it was never called).</summary>
    public static GrainCalls For(string uid) => Calls.GetOrAdd(uid, _ => new GrainCalls());

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TargetContext?.GrainInstance is not AgentJobGrain)
        {
            await context.Invoke();
            return;
        }

        var calls = For(context.TargetContext.GrainId.Key.ToString()!);
        calls.Enter(context.TargetContext.ActivationId.ToString());
        try
        {
            await context.Invoke();
        }
        finally
        {
            calls.Leave();
        }
    }

    /// <summary>The calls one grain received.</summary>
    public sealed class GrainCalls
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _activations = [];
        private int _inFlight;

        public int Count { get; private set; }

        public int MaxInFlight { get; private set; }

        public IReadOnlyCollection<string> Activations
        {
            get
            {
                lock (_gate)
                {
                    return [.. _activations];
                }
            }
        }

        internal void Enter(string activation)
        {
            lock (_gate)
            {
                _activations.Add(activation);
                Count++;
                _inFlight++;
                MaxInFlight = Math.Max(MaxInFlight, _inFlight);
            }
        }

        internal void Leave()
        {
            lock (_gate)
            {
                _inFlight--;
            }
        }
    }
}
