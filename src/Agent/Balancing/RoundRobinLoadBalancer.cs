namespace Mesh.Agent.Balancing;

/// <summary>
/// Weighted round robin (Envoy's ROUND_ROBIN): exact weight shares per cycle (<see cref="RoundRobinSchedule"/>). The
/// schedule is rebuilt when the candidate set changes, starting at a random point of the new cycle, so agents that
/// all see the same change do not all send their next request to the same endpoint (Envoy also starts each worker's
/// round robin at a random host).
/// </summary>
internal sealed class RoundRobinLoadBalancer : ILoadBalancer
{
    private readonly CandidateCache<RoundRobinSchedule> _schedules = new();

    public Upstream? Pick(IReadOnlyList<Upstream> candidates, in PickContext context)
    {
        if (candidates.Count == 0)
        {
            return null;
        }
        return _schedules.Get(candidates, context.Rng, static (members, weights, rng) =>
            new RoundRobinSchedule(members, weights, rng.NextInt64(weights.Sum(w => (long)w)))).Next();
    }
}
