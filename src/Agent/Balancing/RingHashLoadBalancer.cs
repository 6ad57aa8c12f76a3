namespace Mesh.Agent.Balancing;

/// <summary>
/// Consistent hashing (Envoy's RING_HASH): the request's <see cref="PickContext.Hash"/> is looked up on a
/// <see cref="HashRing"/> (binary search), so the same key reaches the same endpoint while the candidate set is
/// unchanged, and a change moves only the keys of the endpoints that came or went. The ring is rebuilt only when the
/// set or a weight changes. Without a hash (no header, cookie or address to hash) a random point is used, as Envoy
/// does, which spreads such requests by ring share, i.e. by weight.
/// </summary>
internal sealed class RingHashLoadBalancer(int minimumRingSize) : ILoadBalancer
{
    private readonly CandidateCache<HashRing> _rings = new();

    public Upstream? Pick(IReadOnlyList<Upstream> candidates, in PickContext context)
    {
        if (candidates.Count == 0)
        {
            return null;
        }
        var ring = _rings.Get(candidates, minimumRingSize, static (members, weights, min) => new HashRing(members, weights, min));
        var hash = context.Hash ?? (ulong)context.Rng.NextInt64(long.MinValue, long.MaxValue);
        return ring.Find(hash);
    }
}
