namespace Mesh.Agent.Balancing;

/// <summary>A candidate set's cumulative weights, for weighted random choice by binary search.</summary>
internal sealed class WeightedIndex
{
    private readonly Upstream[] _members;
    private readonly long[] _cumulative;

    public WeightedIndex(Upstream[] members, int[] weights)
    {
        _members = members;
        Weights = weights;
        _cumulative = new long[weights.Length];
        long sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            _cumulative[i] = sum;
        }
        AllEqual = weights.All(w => w == weights[0]);
    }

    /// <summary>The candidates, in order.</summary>
    public ReadOnlySpan<Upstream> Members => _members;

    /// <summary>Each candidate's weight (at least 1).</summary>
    public int[] Weights { get; }

    /// <summary>Whether every candidate has the same weight (then plain uniform choice is the weighted one).</summary>
    public bool AllEqual { get; }

    public Upstream Pick(Random rng)
    {
        if (AllEqual)
        {
            return _members[rng.Next(_members.Length)];
        }
        var r = rng.NextInt64(_cumulative[^1]);
        // The first endpoint whose cumulative weight exceeds r; BinarySearch returns ~(first larger) when r is absent.
        var i = Array.BinarySearch(_cumulative, r);
        i = i >= 0 ? i + 1 : ~i;
        return _members[i];
    }
}
