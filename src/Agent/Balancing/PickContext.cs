namespace Mesh.Agent.Balancing;

/// <summary>
/// What a load-balancing policy may use for one pick (one TCP connection or one HTTP request). A value, so a pick
/// allocates nothing; passed by <c>in</c>.
/// </summary>
/// <param name="Hash">
/// The request's hash for <see cref="Config.LoadBalancerKind.RingHash"/> (<see cref="RequestHash"/>); null when the
/// request has no hash input, and ring hash then picks at random, as Envoy does.
/// </param>
/// <param name="Random">
/// The randomness for Random, LeastRequest and hash-less RingHash picks, and for round robin's starting point; null:
/// <see cref="System.Random.Shared"/> (thread-safe). Tests pass a seeded one, which is then not thread-safe.
/// </param>
internal readonly record struct PickContext(ulong? Hash = null, Random? Random = null)
{
    /// <summary>No hash, shared randomness: what the TCP path and hash-less policies use.</summary>
    public static PickContext None => default;

    /// <summary>The randomness to use (never null).</summary>
    public Random Rng => Random ?? System.Random.Shared;
}
