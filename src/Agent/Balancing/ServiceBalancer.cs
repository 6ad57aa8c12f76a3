using Mesh.Agent.Config;

namespace Mesh.Agent.Balancing;

/// <summary>
/// Load balancing for one service, shared by the TCP path (a pick per connection) and the HTTP path (a pick per
/// request): the service's <see cref="Upstream"/>s, which the health checker and outlier detection update in place,
/// and the policy its <see cref="LoadBalancerPolicy"/> names.
/// </summary>
/// <remarks>
/// <para>A pick chooses among the endpoints available now (<see cref="Upstream.IsAvailable"/>). When none is, the
/// service is in panic and the pick chooses among all of them, as Envoy's panic routing does: sending to endpoints that
/// may be unhealthy beats failing every request because the health signal itself may be wrong. Unlike Envoy's default
/// (panic below 50% healthy) panic starts only at 0% available, so one healthy endpoint takes all the traffic; YARP
/// does the same. Panic picks are counted (<see cref="PanicPicks"/>).</para>
/// <para>Thread-safety: picks run concurrently and lock-free against an immutable snapshot; <see cref="Update"/> builds
/// a new snapshot under a lock (updates are rare) and swaps it in.</para>
/// </remarks>
internal sealed class ServiceBalancer
{
    private readonly Lock _updateGate = new();
    private Snapshot _snapshot;
    private AvailableSet? _available;
    private long _panicPicks;

    public ServiceBalancer(LoadBalancerPolicy policy, IReadOnlyList<ServiceEndpoint> endpoints)
    {
        _snapshot = new Snapshot(Build([], endpoints), policy, LoadBalancers.Create(policy));
    }

    /// <summary>A balancer for <paramref name="service"/>'s endpoints under its policy.</summary>
    public ServiceBalancer(RegisteredService service)
        : this(service.Policy.LoadBalancer, service.Endpoints)
    {
    }

    /// <summary>The current endpoints' shared state (the same objects the health checker should update).</summary>
    public IReadOnlyList<Upstream> Upstreams => Volatile.Read(ref _snapshot).All;

    public LoadBalancerPolicy Policy => Volatile.Read(ref _snapshot).Policy;

    /// <summary>Picks made in panic (no endpoint available) since this balancer was created.</summary>
    public long PanicPicks => Interlocked.Read(ref _panicPicks);

    /// <summary>Whether the most recent pick found no endpoint available.</summary>
    public bool InPanic => Volatile.Read(ref _available)?.Panic ?? false;

    /// <summary>
    /// Takes the registry's endpoints: an endpoint that stays (same address, agent and identity) keeps its
    /// <see cref="Upstream"/>, so its active requests, health and ejection survive, and takes the new weight; new
    /// endpoints start healthy; removed ones are dropped (connections in flight to them keep their own reference). A
    /// repeated endpoint counts once, with its first entry. <paramref name="policy"/>, when given and different,
    /// replaces the balancing policy.
    /// </summary>
    public void Update(IReadOnlyList<ServiceEndpoint> endpoints, LoadBalancerPolicy? policy = null)
    {
        lock (_updateGate)
        {
            var old = _snapshot;
            var newPolicy = policy ?? old.Policy;
            var balancer = newPolicy == old.Policy ? old.Balancer : LoadBalancers.Create(newPolicy);
            Volatile.Write(ref _snapshot, new Snapshot(Build(old.All, endpoints), newPolicy, balancer));
        }
    }

    /// <summary>The endpoint for one connection or request; null only when the service has no endpoints.</summary>
    public Upstream? Pick(in PickContext context, DateTimeOffset now)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.All.Length == 0)
        {
            return null;
        }
        var available = Volatile.Read(ref _available);
        if (available is null || !available.IsCurrent(snapshot.All, now))
        {
            available = AvailableSet.Of(snapshot.All, now);
            Volatile.Write(ref _available, available);
        }
        if (available.Panic)
        {
            Interlocked.Increment(ref _panicPicks);
        }
        return snapshot.Balancer.Pick(available.Candidates, context);
    }

    private static Upstream[] Build(Upstream[] existing, IReadOnlyList<ServiceEndpoint> endpoints)
    {
        var byKey = existing.ToDictionary(u => UpstreamKey.Of(u.Endpoint));
        var seen = new HashSet<UpstreamKey>();
        var result = new List<Upstream>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            var key = UpstreamKey.Of(endpoint);
            if (!seen.Add(key))
            {
                continue;
            }
            if (byKey.TryGetValue(key, out var kept))
            {
                kept.Reweigh(endpoint);
                result.Add(kept);
            }
            else
            {
                result.Add(new Upstream(endpoint));
            }
        }
        return [.. result];
    }

    private sealed record Snapshot(Upstream[] All, LoadBalancerPolicy Policy, ILoadBalancer Balancer);
}
