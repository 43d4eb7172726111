namespace AgentJobSync.WatchHost.Queue;

/// <summary>
/// A de-duplicating keyed work queue in the manner of client-go's workqueue: a key added while it waits is one item;
/// a key added while a worker processes it is handed out again after <see cref="Done"/>, so no two workers ever hold
/// the same key and no change is lost. Delayed adds (per-key backoff, slow retry) wait on <see cref="TimeProvider"/>
/// timers, so tests drive time. After <see cref="ShutDown"/> nothing is accepted; what is queued is still handed out
/// (drain) and then <see cref="GetAsync"/> answers null. Cancel the workers' token instead to stop at once.
/// </summary>
public sealed class WorkQueue : IDisposable
{
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private readonly Queue<string> ready = new();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Due, ITimer Timer)> delayed = new(StringComparer.Ordinal);
    private readonly Queue<TaskCompletionSource<string?>> waiters = new();
    private readonly KeyedBackoff fast;
    private readonly KeyedBackoff slow;
    private bool shuttingDown;

    /// <summary>Creates an empty queue.</summary>
    public WorkQueue(WorkQueueOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        fast = new KeyedBackoff(options.BackoffBase, options.BackoffCap);
        slow = new KeyedBackoff(options.SlowBase, options.SlowCap);
    }

    /// <summary>Keys ready to be handed out (the queue depth metric).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return ready.Count;
            }
        }
    }

    /// <summary>Keys waiting for a delayed add (backoff or slow retry).</summary>
    public int DelayedCount
    {
        get
        {
            lock (gate)
            {
                return delayed.Count;
            }
        }
    }

    /// <summary>Keys handed out and not yet <see cref="Done"/>.</summary>
    public int ProcessingCount
    {
        get
        {
            lock (gate)
            {
                return processing.Count;
            }
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (gate)
            {
                return shuttingDown;
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> now (once, however often it is added before a worker takes it).</summary>
    public void Add(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            if (shuttingDown || !dirty.Add(key) || processing.Contains(key))
            {
                return;
            }

            Hand(key);
        }
    }

    /// <summary>Queues <paramref name="key"/> after <paramref name="delay"/>; an earlier pending add of it wins.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (gate)
        {
            if (shuttingDown)
            {
                return;
            }

            var due = time.GetUtcNow() + delay;
            if (delayed.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = time.CreateTimer(_ => Fire(key, due), null, delay, Timeout.InfiniteTimeSpan);
            delayed[key] = (due, timer);
        }
    }

    /// <summary>Queues <paramref name="key"/> after its next per-key backoff delay and returns that delay.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        TimeSpan delay;
        lock (gate)
        {
            delay = fast.Next(key);
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Queues <paramref name="key"/> after its next slow-retry delay and returns that delay.</summary>
    public TimeSpan AddSlowRetry(string key)
    {
        TimeSpan delay;
        lock (gate)
        {
            delay = slow.Next(key);
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Retries of <paramref name="key"/> counted since it was last forgotten (fast and slow).</summary>
    public int Requeues(string key)
    {
        lock (gate)
        {
            return fast.Failures(key) + slow.Failures(key);
        }
    }

    /// <summary>Forgets <paramref name="key"/>'s failures: its next backoff starts at the base delay again.</summary>
    public void Forget(string key)
    {
        lock (gate)
        {
            fast.Forget(key);
            slow.Forget(key);
        }
    }

    /// <summary>
    /// The next key to process, waiting until one is ready; null once shut down and drained. The caller must call
    /// <see cref="Done"/> with it.
    /// </summary>
    public Task<string?> GetAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<string?> waiter;
        lock (gate)
        {
            if (ready.TryDequeue(out var key))
            {
                Take(key);
                return Task.FromResult<string?>(key);
            }

            if (shuttingDown)
            {
                return Task.FromResult<string?>(null);
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Enqueue(waiter);
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return waiter.Task;
        }

        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Ends the processing of <paramref name="key"/>; if it was added meanwhile, it is queued again.</summary>
    public void Done(string key)
    {
        lock (gate)
        {
            if (processing.Remove(key) && dirty.Contains(key) && !shuttingDown)
            {
                Hand(key);
            }
        }
    }

    /// <summary>Stops accepting keys, drops pending delayed adds and releases idle workers (they get null).</summary>
    public void ShutDown()
    {
        lock (gate)
        {
            shuttingDown = true;
            foreach (var (_, timer) in delayed.Values)
            {
                timer.Dispose();
            }

            delayed.Clear();
            while (waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetResult(null);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => ShutDown();

    private static async Task<string?> WaitAsync(TaskCompletionSource<string?> waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(static w => ((TaskCompletionSource<string?>)w!).TrySetCanceled(), waiter))
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    // Under the lock: give the key to a waiting worker, or queue it. A waiter cancelled meanwhile refuses it.
    private void Hand(string key)
    {
        while (waiters.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult(key))
            {
                Take(key);
                return;
            }
        }

        ready.Enqueue(key);
    }

    private void Take(string key)
    {
        dirty.Remove(key);
        processing.Add(key);
    }

    private void Fire(string key, DateTimeOffset due)
    {
        lock (gate)
        {
            if (!delayed.TryGetValue(key, out var pending) || pending.Due != due)
            {
                return;
            }

            delayed.Remove(key);
            pending.Timer.Dispose();
        }

        Add(key);
    }
}
