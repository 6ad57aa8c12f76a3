namespace Mesh.Agent.Balancing;

/// <summary>
/// One load-balancing policy: chooses one of <paramref name="candidates"/> for a connection or request. Called
/// concurrently from many threads, so an implementation keeps only thread-safe state (counters, cached
/// precomputations keyed by the candidate set).
/// </summary>
/// <remarks>
/// The candidates are the endpoints eligible right now (<see cref="ServiceBalancer"/> filters by availability, or
/// passes all in panic). A list passed here must not be mutated afterwards: implementations cache work (a round-robin
/// schedule, a hash ring) per candidate set and recognise an unchanged set by reference first.
/// </remarks>
internal interface ILoadBalancer
{
    /// <summary>The chosen endpoint; null only when <paramref name="candidates"/> is empty.</summary>
    Upstream? Pick(IReadOnlyList<Upstream> candidates, in PickContext context);
}
