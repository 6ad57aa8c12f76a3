namespace Mesh.Agent.Balancing;

/// <summary>
/// Weighted random (Envoy's RANDOM): each endpoint is chosen with probability weight / total. Prefix sums are built
/// once per candidate set; a pick is one random number and a binary search (or one random index when the weights
/// are equal).
/// </summary>
internal sealed class RandomLoadBalancer : ILoadBalancer
{
    private readonly CandidateCache<WeightedIndex> _indexes = new();

    public Upstream? Pick(IReadOnlyList<Upstream> candidates, in PickContext context)
    {
        if (candidates.Count == 0)
        {
            return null;
        }
        var index = _indexes.Get(candidates, 0, static (members, weights, _) => new WeightedIndex(members, weights));
        return index.Pick(context.Rng);
    }
}
