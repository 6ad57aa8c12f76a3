namespace Mesh.Agent.Balancing;

/// <summary>
/// Smooth weighted round robin (nginx's algorithm) over one candidate set: every cycle of W picks (W = the sum of the
/// weights divided by their greatest common divisor) gives each endpoint exactly its weight's share, interleaved
/// rather than in bursts (weights 5,1,1 give a a b a c a a, not a a a a a b c). Envoy reaches the same shares with an
/// EDF scheduler; this one is exact per cycle, which is what lets the tests assert exact counts.
/// </summary>
/// <remarks>
/// When the cycle is small enough it is precomputed once and a pick is one interlocked increment and an array read,
/// with no lock. A cycle too large to precompute (many endpoints with large, coprime weights) falls back to stepping
/// the algorithm under a lock, one O(n) step per pick.
/// </remarks>
internal sealed class RoundRobinSchedule
{
    /// <summary>Largest n x W (build cost and memory) precomputed; above it, the locked fallback.</summary>
    private const long MaxPrecomputedWork = 1 << 22;

    private readonly Upstream[] _members;
    private readonly int[] _weights;
    private readonly int[]? _cycle;
    private readonly long[]? _current;
    private readonly long _total;
    private readonly Lock _gate = new();
    private long _next;

    public RoundRobinSchedule(Upstream[] members, int[] weights, long start)
    {
        _members = members;
        var gcd = weights.Aggregate(0, Gcd);
        _weights = Array.ConvertAll(weights, w => w / Math.Max(1, gcd));
        _total = _weights.Sum(w => (long)w);
        _next = start;
        var current = new long[members.Length];
        if (members.Length * _total <= MaxPrecomputedWork)
        {
            _cycle = new int[_total];
            for (var i = 0; i < _cycle.Length; i++)
            {
                _cycle[i] = Step(current);
            }
        }
        else
        {
            _current = current;
        }
    }

    /// <summary>The next endpoint in the schedule.</summary>
    public Upstream Next()
    {
        if (_members.Length == 1)
        {
            return _members[0];
        }
        if (_cycle is not null)
        {
            var n = (ulong)Interlocked.Increment(ref _next);
            return _members[_cycle[(int)(n % (ulong)_cycle.Length)]];
        }
        // Why a lock: the fallback's per-endpoint current weights are read and written together on every step.
        lock (_gate)
        {
            return _members[Step(_current!)];
        }
    }

    // One step of smooth weighted round robin: everyone gains their weight, the richest is chosen and pays the total.
    private int Step(long[] current)
    {
        var best = 0;
        for (var i = 0; i < current.Length; i++)
        {
            current[i] += _weights[i];
            if (current[i] > current[best])
            {
                best = i;
            }
        }
        current[best] -= _total;
        return best;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
