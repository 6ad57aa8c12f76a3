using Mesh.Agent.Config;

namespace Mesh.Agent.Balancing;

/// <summary>
/// One endpoint of a service as load balancing and health checking share it: the registry entry, the requests in
/// flight to it (least-request and circuit breaking read them), its active health (set by the active checker) and its
/// passive ejection (set by outlier detection). Thread-safe; the balancer reads, the checkers write.
/// </summary>
public sealed class Upstream(ServiceEndpoint endpoint)
{
    private static long s_availabilityEpoch;

    private ServiceEndpoint _endpoint = endpoint;
    private int _active;
    private int _activeHealthy = 1;
    private long _ejectedUntilTicks;
    private int _ejections;

    /// <summary>The registry entry; replaced only by <see cref="Reweigh"/>, which keeps address, agent and identity.</summary>
    public ServiceEndpoint Endpoint => Volatile.Read(ref _endpoint);

    public int Weight => Endpoint.Weight;

    /// <summary>Requests (HTTP) or connections (TCP) in flight to this endpoint.</summary>
    public int ActiveRequests => Volatile.Read(ref _active);

    public void RequestStarted() => Interlocked.Increment(ref _active);

    public void RequestFinished() => Interlocked.Decrement(ref _active);

    /// <summary>What the active health checker last concluded (healthy until a checker says otherwise).</summary>
    public bool ActiveHealthy
    {
        get => Volatile.Read(ref _activeHealthy) == 1;
        set
        {
            if (Interlocked.Exchange(ref _activeHealthy, value ? 1 : 0) != (value ? 1 : 0))
            {
                Interlocked.Increment(ref s_availabilityEpoch);
            }
        }
    }

    /// <summary>How many times outlier detection has ejected this endpoint (ejection time grows with it).</summary>
    public int EjectionCount => Volatile.Read(ref _ejections);

    /// <summary>Until when outlier detection keeps this endpoint out; <see cref="DateTimeOffset.MinValue"/> when it is not ejected.</summary>
    public DateTimeOffset EjectedUntil => new(Volatile.Read(ref _ejectedUntilTicks), TimeSpan.Zero);

    public bool IsEjected(DateTimeOffset now) => Volatile.Read(ref _ejectedUntilTicks) > now.UtcTicks;

    /// <summary>Ejects the endpoint until <paramref name="until"/> and counts the ejection.</summary>
    public void Eject(DateTimeOffset until)
    {
        Interlocked.Increment(ref _ejections);
        Volatile.Write(ref _ejectedUntilTicks, until.UtcTicks);
        Interlocked.Increment(ref s_availabilityEpoch);
    }

    /// <summary>Ends an ejection early (e.g. the active checker saw it healthy again).</summary>
    public void Uneject()
    {
        if (Interlocked.Exchange(ref _ejectedUntilTicks, 0) != 0)
        {
            Interlocked.Increment(ref s_availabilityEpoch);
        }
    }

    /// <summary>
    /// Advances whenever any endpoint's active health or ejection is set to a different value (process-wide; such
    /// changes are rare). Written after the state it announces, so a reader that reads the epoch first and the state
    /// second never pairs an old epoch with a state it has not seen. Lets <see cref="AvailableSet"/> confirm in O(1)
    /// that nothing but time has changed; an ejection ending by itself is a matter of time and not announced here.
    /// </summary>
    internal static long AvailabilityEpoch => Interlocked.Read(ref s_availabilityEpoch);

    /// <summary>Healthy by the active checker and not ejected: eligible unless the whole service is in panic.</summary>
    public bool IsAvailable(DateTimeOffset now) => ActiveHealthy && !IsEjected(now);

    /// <summary>
    /// Takes the registry's new entry for the same endpoint (same address, agent and identity; only the weight may
    /// differ), so a weight change keeps the endpoint's active count, health and ejection.
    /// </summary>
    internal void Reweigh(ServiceEndpoint updated)
    {
        if (UpstreamKey.Of(updated) != UpstreamKey.Of(Endpoint))
        {
            throw new ArgumentException($"{updated.Address} via {updated.Agent} is another endpoint than {this}.", nameof(updated));
        }
        Volatile.Write(ref _endpoint, updated);
    }

    public override string ToString()
    {
        var e = Endpoint;
        return $"{e.Address} via {e.Agent} ({e.Identity})";
    }
}
