using AgentJobSync.TestHarness;
using AgentJobSync.WatchHost.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

public sealed class WorkQueueTests
{
    private static readonly WorkQueueOptions Options = new()
    {
        BackoffBase = TimeSpan.FromMilliseconds(100),
        BackoffCap = TimeSpan.FromSeconds(30),
        SlowBase = TimeSpan.FromSeconds(5),
        SlowCap = TimeSpan.FromMinutes(5),
    };

    private readonly ManualTimeProvider time = new();

    [Fact]
    public async Task A_key_added_while_queued_is_one_item()
    {
        using var queue = new WorkQueue(Options, time);
        queue.Add("ns/a");
        queue.Add("ns/a");
        queue.Add("ns/b");
        Assert.Equal(2, queue.Count);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None));
        Assert.Equal("ns/b", await queue.GetAsync(CancellationToken.None));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_key_added_while_processing_is_handed_out_again_after_done_and_not_before()
    {
        using var queue = new WorkQueue(Options, time);
        queue.Add("ns/a");
        var key = await queue.GetAsync(CancellationToken.None);
        queue.Add("ns/a");
        queue.Add("ns/a");
        Assert.Equal(0, queue.Count); // never to a second worker while the first holds it
        queue.Done(key!);
        Assert.Equal(1, queue.Count);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None));
        queue.Done("ns/a");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_waiting_worker_gets_a_key_added_later()
    {
        using var queue = new WorkQueue(Options, time);
        var waiting = queue.GetAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        queue.Add("ns/a");
        Assert.Equal("ns/a", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, queue.ProcessingCount);
    }

    [Fact]
    public void Backoff_doubles_per_failure_up_to_the_cap_and_forget_starts_over()
    {
        using var queue = new WorkQueue(Options, time);
        var delays = Enumerable.Range(0, 12).Select(_ => queue.AddRateLimited("ns/a")).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(100), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(200), delays[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(400), delays[2]);
        Assert.Equal(TimeSpan.FromMilliseconds(25_600), delays[8]);
        Assert.Equal(TimeSpan.FromSeconds(30), delays[9]);
        Assert.Equal(TimeSpan.FromSeconds(30), delays[11]);
        Assert.Equal(12, queue.Requeues("ns/a"));

        queue.Forget("ns/a");
        Assert.Equal(0, queue.Requeues("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/b")); // per key
    }

    [Fact]
    public void A_rate_limited_key_is_ready_only_after_its_delay()
    {
        using var queue = new WorkQueue(Options, time);
        queue.AddRateLimited("ns/a");
        queue.AddRateLimited("ns/a"); // the earlier pending add (100 ms) wins over 200 ms
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.DelayedCount);
    }

    [Fact]
    public void The_slow_retry_has_its_own_longer_backoff()
    {
        using var queue = new WorkQueue(Options, time);
        Assert.Equal(TimeSpan.FromSeconds(5), queue.AddSlowRetry("ns/a"));
        Assert.Equal(TimeSpan.FromSeconds(10), queue.AddSlowRetry("ns/a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/a"));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task Shut_down_drains_what_is_queued_then_answers_null_and_accepts_nothing()
    {
        using var queue = new WorkQueue(Options, time);
        queue.Add("ns/a");
        queue.AddRateLimited("ns/b");
        queue.ShutDown();
        queue.Add("ns/c");
        Assert.Equal(0, time.PendingTimers);
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None));
        Assert.Null(await queue.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Cancelling_a_waiting_get_does_not_lose_the_next_key()
    {
        using var queue = new WorkQueue(Options, time);
        using var cts = new CancellationTokenSource();
        var waiting = queue.GetAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        queue.Add("ns/a");
        Assert.Equal("ns/a", await queue.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Workers_never_exceed_their_number_and_one_stuck_key_does_not_block_the_others()
    {
        using var queue = new WorkQueue(Options, TimeProvider.System);
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var maxRunning = 0;
        var done = new System.Collections.Concurrent.ConcurrentBag<string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = new WorkerPool(
            queue,
            async (key, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                try
                {
                    await (key == "ns/stuck" ? stuck.Task : release.Task).WaitAsync(ct);
                    done.Add(key);
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            },
            NullLogger<WorkerPool>.Instance);
        using var cts = new CancellationTokenSource();
        var run = pool.RunAsync(3, cts.Token);

        queue.Add("ns/stuck");
        for (var i = 0; i < 20; i++)
        {
            queue.Add($"ns/job-{i}");
        }

        await Eventually.UntilAsync(() => Volatile.Read(ref running) == 3, TimeSpan.FromSeconds(10), "three workers busy");
        release.SetResult();
        await Eventually.UntilAsync(() => done.Count == 20, TimeSpan.FromSeconds(10), "every other key processed beside the stuck one");
        Assert.DoesNotContain("ns/stuck", done);
        Assert.Equal(3, Volatile.Read(ref maxRunning));

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_throwing_handler_retries_its_key_with_backoff_and_the_worker_survives()
    {
        using var queue = new WorkQueue(Options, time);
        var attempts = 0;
        var pool = new WorkerPool(
            queue,
            (key, ct) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    throw new InvalidOperationException("boom");
                }

                return Task.CompletedTask;
            },
            NullLogger<WorkerPool>.Instance);
        using var cts = new CancellationTokenSource();
        var run = pool.RunAsync(1, cts.Token);
        queue.Add("ns/a");
        await Eventually.UntilAsync(() => queue.DelayedCount == 1, TimeSpan.FromSeconds(10), "the failed key waits for its backoff");
        time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.UntilAsync(() => Volatile.Read(ref attempts) == 2, TimeSpan.FromSeconds(10), "the key retried");
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
