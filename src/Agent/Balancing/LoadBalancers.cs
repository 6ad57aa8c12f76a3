using Mesh.Agent.Config;

namespace Mesh.Agent.Balancing;

/// <summary>Makes the balancer a service's <see cref="LoadBalancerPolicy"/> names.</summary>
internal static class LoadBalancers
{
    public static ILoadBalancer Create(LoadBalancerPolicy policy) => policy.Kind switch
    {
        LoadBalancerKind.RoundRobin => new RoundRobinLoadBalancer(),
        LoadBalancerKind.Random => new RandomLoadBalancer(),
        LoadBalancerKind.LeastRequest => new LeastRequestLoadBalancer(),
        LoadBalancerKind.RingHash => new RingHashLoadBalancer(policy.MinimumRingSize),
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy.Kind, "Unknown load balancer kind; use RoundRobin, Random, LeastRequest or RingHash."),
    };

    /// <summary>
    /// The weight a policy uses: the endpoint's, at least 1. Envoy rejects weight 0 at config load; until the registry
    /// loader validates it, a non-positive weight counts as 1 rather than silently taking the endpoint out.
    /// </summary>
    public static int WeightOf(Upstream upstream) => Math.Max(1, upstream.Weight);
}
