namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// Measurements of the last <see cref="Length"/> in one-second buckets: how many, their sum and (for histograms) the
/// values themselves, so the dashboard can show a rate and percentiles of what happened lately rather than since start.
/// Each bucket keeps at most <see cref="SamplesPerBucket"/> values (a uniform reservoir), so memory stays bounded at any rate.
/// </summary>
public sealed class SlidingWindow
{
    /// <summary>Values kept per one-second bucket for percentiles.</summary>
    public const int SamplesPerBucket = 512;

    private readonly Bucket[] _buckets;
    private readonly Lock _gate = new();

    public SlidingWindow(TimeSpan length)
    {
        if (length < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(length), "the window must be at least one second");
        }

        Length = length;
        _buckets = new Bucket[(int)Math.Ceiling(length.TotalSeconds)];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket();
        }
    }

    /// <summary>How far back the window reaches.</summary>
    public TimeSpan Length { get; }

    /// <summary>Adds one measurement taken at <paramref name="now"/>; <paramref name="count"/> is a counter's increment.</summary>
    public void Record(DateTimeOffset now, double value, long count = 1)
    {
        var second = now.ToUnixTimeSeconds();
        lock (_gate)
        {
            var bucket = _buckets[(int)(second % _buckets.Length)];
            if (bucket.Second != second)
            {
                bucket.Reset(second);
            }

            bucket.Count += count;
            bucket.Sum += value;
            bucket.Seen++;
            if (bucket.Samples.Count < SamplesPerBucket)
            {
                bucket.Samples.Add(value);
            }
            else
            {
                var slot = Random.Shared.NextInt64(bucket.Seen);
                if (slot < SamplesPerBucket)
                {
                    bucket.Samples[(int)slot] = value;
                }
            }
        }
    }

    /// <summary>What the window holds at <paramref name="now"/>.</summary>
    public WindowSnapshot Snapshot(DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        var oldest = second - _buckets.Length + 1;
        long count = 0;
        double sum = 0;
        var samples = new List<double>();
        lock (_gate)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket.Second >= oldest && bucket.Second <= second)
                {
                    count += bucket.Count;
                    sum += bucket.Sum;
                    samples.AddRange(bucket.Samples);
                }
            }
        }

        samples.Sort();
        return new WindowSnapshot(count, sum, Percentile(samples, 0.50), Percentile(samples, 0.99));
    }

    // Nearest rank: the smallest value with at least q of the values at or below it.
    private static double? Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class Bucket
    {
        public long Second { get; private set; } = long.MinValue;

        public long Count { get; set; }

        public double Sum { get; set; }

        public long Seen { get; set; }

        public List<double> Samples { get; } = [];

        public void Reset(long second)
        {
            Second = second;
            Count = 0;
            Sum = 0;
            Seen = 0;
            Samples.Clear();
        }
    }
}
