namespace Mesh.Agent.Balancing;

/// <summary>
/// Least request (Envoy's LEAST_REQUEST) on <see cref="Upstream.ActiveRequests"/>, with Envoy's two regimes:
/// <list type="bullet">
/// <item>All weights equal: power of two choices (Envoy's default choice_count 2). Two distinct random candidates, the
/// one with fewer active requests wins (ties: the first drawn). The most loaded endpoint is never chosen while any other
/// exists, so it drains until it is no busier than the rest.</item>
/// <item>Weights differ: each candidate's dynamic weight is weight / (active + 1), Envoy's formula with its default
/// active_request_bias of 1.0, and one is drawn with probability proportional to it. Envoy puts the same dynamic
/// weights into its EDF scheduler at pick time; drawing at random gives the same shares without a scheduler shared
/// (and locked) across threads. A loaded endpoint gets fewer picks but, unlike under P2C, never none.</item>
/// </list>
/// Picking two distinct candidates (Envoy may draw the same one twice) makes the equal-weight case exact about "the
/// busiest never wins" for two or more endpoints.
/// </summary>
internal sealed class LeastRequestLoadBalancer : ILoadBalancer
{
    /// <summary>Candidate sets up to this size compute dynamic weights on the stack.</summary>
    private const int StackLimit = 128;

    private readonly CandidateCache<WeightedIndex> _indexes = new();

    public Upstream? Pick(IReadOnlyList<Upstream> candidates, in PickContext context)
    {
        var n = candidates.Count;
        if (n <= 1)
        {
            return n == 0 ? null : candidates[0];
        }
        var rng = context.Rng;
        var index = _indexes.Get(candidates, 0, static (members, weights, _) => new WeightedIndex(members, weights));
        return index.AllEqual ? PowerOfTwo(candidates, rng) : ByDynamicWeight(index, rng);
    }

    private static Upstream PowerOfTwo(IReadOnlyList<Upstream> candidates, Random rng)
    {
        var n = candidates.Count;
        var first = rng.Next(n);
        var second = rng.Next(n - 1);
        if (second >= first)
        {
            second++;
        }
        var a = candidates[first];
        var b = candidates[second];
        return b.ActiveRequests < a.ActiveRequests ? b : a;
    }

    // Over the cached arrays rather than the IReadOnlyList: two interface calls per endpoint were most of the cost.
    private static Upstream ByDynamicWeight(WeightedIndex index, Random rng)
    {
        var candidates = index.Members;
        var configured = index.Weights;
        var n = candidates.Length;
        Span<double> weights = n <= StackLimit ? stackalloc double[n] : new double[n];
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            // Active counts are read once each: they move under us, and the draw must use the values summed here.
            var active = Math.Max(0, candidates[i].ActiveRequests);
            weights[i] = configured[i] / (active + 1.0);
            total += weights[i];
        }
        var r = rng.NextDouble() * total;
        for (var i = 0; i < n; i++)
        {
            r -= weights[i];
            if (r < 0)
            {
                return candidates[i];
            }
        }
        return candidates[n - 1];
    }
}
