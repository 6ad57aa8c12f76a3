namespace Mesh.Bench.Load;

/// <summary>
/// Records every sample and sorts once at the end: exact percentiles, and at 1000 req/s for a few seconds a
/// sorted array is small. Not thread-safe: one recorder per thread, merged afterwards.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly List<long> _nanoseconds = [];

    public int Count => _nanoseconds.Count;

    public void Record(long nanoseconds) => _nanoseconds.Add(nanoseconds);

    public static LatencyRecorder Merge(IEnumerable<LatencyRecorder> parts)
    {
        var all = new LatencyRecorder();
        foreach (var part in parts)
        {
            all._nanoseconds.AddRange(part._nanoseconds);
        }
        all._nanoseconds.Sort();
        return all;
    }

    /// <summary>Nearest-rank percentile in milliseconds, of a merged (sorted) recorder; null when empty.</summary>
    public double? PercentileMs(double percentile)
    {
        if (_nanoseconds.Count == 0)
        {
            return null;
        }
        var rank = (int)Math.Ceiling(percentile / 100.0 * _nanoseconds.Count);
        return _nanoseconds[Math.Clamp(rank - 1, 0, _nanoseconds.Count - 1)] / 1e6;
    }
}
