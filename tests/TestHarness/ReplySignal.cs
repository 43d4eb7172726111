using System.Threading.Tasks.Sources;

namespace AgentJobSync.TestHarness;

/// <summary>
/// One connection's "waiting for the reply to request N": a reusable awaitable (no allocation per request) that the
/// reply pump completes when a frame with responseTo == N arrives, or fails when the connection ends.
/// </summary>
internal sealed class ReplySignal : IValueTaskSource
{
    private const long Nobody = long.MinValue;

    private readonly Lock gate = new();
    private ManualResetValueTaskSourceCore<bool> core = new() { RunContinuationsAsynchronously = true };
    private long awaitedRequestId = Nobody;
    private Exception? failure;

    /// <summary>Arms the signal for request <paramref name="requestId"/> (before the request is written).</summary>
    public void Expect(int requestId)
    {
        lock (gate)
        {
            core.Reset();
            if (failure is not null)
            {
                core.SetException(failure);
                return;
            }

            awaitedRequestId = requestId;
        }
    }

    /// <summary>Completes when the awaited reply has arrived.</summary>
    public ValueTask WaitAsync() => new(this, core.Version);

    /// <summary>A reply to <paramref name="responseTo"/> arrived; false if nobody was waiting for it.</summary>
    public bool Arrived(int responseTo)
    {
        lock (gate)
        {
            if (awaitedRequestId != responseTo)
            {
                return false;
            }

            awaitedRequestId = Nobody;
            core.SetResult(true);
            return true;
        }
    }

    /// <summary>The connection ended: fail the awaited reply, now and for every later request.</summary>
    public void Fail(Exception error)
    {
        lock (gate)
        {
            failure ??= error;
            if (awaitedRequestId != Nobody)
            {
                awaitedRequestId = Nobody;
                core.SetException(failure);
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        core.OnCompleted(continuation, state, token, flags);
}
