using Mesh.Agent.Balancing;
using Mesh.Agent.Config;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Envoy's circuit-breaker thresholds for one service: TCP connections in flight (<see cref="CircuitBreakerPolicy.MaxConnections"/>),
/// HTTP requests in flight across its endpoints (<see cref="CircuitBreakerPolicy.MaxPendingRequests"/>), and requests in
/// flight to one endpoint (<see cref="CircuitBreakerPolicy.MaxRequestsPerEndpoint"/>). Over a threshold the request is not
/// sent: the caller answers 503 with <see cref="Trip.Reason"/>. Lock-free counters.
/// </summary>
internal sealed class CircuitBreaker(string service, CircuitBreakerPolicy policy)
{
    private int _connections;
    private int _requests;
    private long _tripped;

    /// <summary>Requests and connections refused by a threshold since start.</summary>
    public long Tripped => Interlocked.Read(ref _tripped);

    public int Connections => Volatile.Read(ref _connections);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Admits one TCP connection, or says which threshold it would cross.</summary>
    public string? TryEnterConnection()
    {
        if (Interlocked.Increment(ref _connections) > policy.MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            Interlocked.Increment(ref _tripped);
            return $"circuit breaker open for {service}: {policy.MaxConnections} connections in flight (maxConnections)";
        }
        return null;
    }

    public void ExitConnection() => Interlocked.Decrement(ref _connections);

    /// <summary>Admits one HTTP request to the service, or says which threshold it would cross.</summary>
    public string? TryEnterRequest()
    {
        if (Interlocked.Increment(ref _requests) > policy.MaxPendingRequests)
        {
            Interlocked.Decrement(ref _requests);
            Interlocked.Increment(ref _tripped);
            return $"circuit breaker open for {service}: {policy.MaxPendingRequests} requests in flight (maxPendingRequests)";
        }
        return null;
    }

    public void ExitRequest() => Interlocked.Decrement(ref _requests);

    /// <summary>Whether <paramref name="upstream"/> may take one more request; the reason when it may not.</summary>
    public string? CheckEndpoint(Upstream upstream)
    {
        if (upstream.ActiveRequests >= policy.MaxRequestsPerEndpoint)
        {
            Interlocked.Increment(ref _tripped);
            return $"circuit breaker open for {service}: {policy.MaxRequestsPerEndpoint} requests in flight to {upstream.Endpoint.Address} (maxRequestsPerEndpoint)";
        }
        return null;
    }
}
