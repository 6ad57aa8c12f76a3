using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Outbound;

/// <summary>
/// One service as the outbound side uses it (Envoy's cluster): its endpoints' shared state and load balancer, their
/// active and passive health, the circuit breaker and the retry budget. The TCP path picks per connection, the HTTP
/// path per request; both report each outcome so outlier detection sees every failure.
/// </summary>
internal sealed class ServiceCluster : IAsyncDisposable
{
    private readonly ServiceBalancer _balancer;
    private readonly ServiceHealth? _health;
    private readonly TimeProvider _time;

    /// <param name="probes">How active health checks reach the endpoints (through the mesh as a local identity); null: no active checks.</param>
    public ServiceCluster(RegisteredService service, IProbeTransport? probes, TimeProvider time, ILoggerFactory loggers)
    {
        Service = service;
        _time = time;
        _balancer = new ServiceBalancer(service);
        Breaker = new CircuitBreaker(service.Name, service.Policy.CircuitBreaker);
        Retries = service.Policy.Retries is { } retries ? new RetryBudget(retries) : null;
        if (probes is not null && (service.Policy.HealthCheck is not null || service.Policy.OutlierDetection is not null))
        {
            _health = new ServiceHealth(service, probes, time, loggers);
            _health.Update(_balancer.Upstreams);
        }
    }

    public RegisteredService Service { get; }

    public string Name => Service.Name;

    public ServicePolicy Policy => Service.Policy;

    public CircuitBreaker Breaker { get; }

    /// <summary>Null when the service has no retry policy.</summary>
    public RetryBudget? Retries { get; }

    public HealthCounters? Health => _health?.Counters;

    public long PanicPicks => _balancer.PanicPicks;

    public bool InPanic => _balancer.InPanic;

    public IReadOnlyList<Upstream> Upstreams => _balancer.Upstreams;

    /// <summary>Requests in flight to all endpoints (for the retry budget).</summary>
    public int ActiveRequests => Upstreams.Sum(u => u.ActiveRequests);

    /// <summary>
    /// The endpoint for one connection or request. On a retry, endpoints already tried are avoided when another can be
    /// had (Envoy's previous-hosts predicate); null only when the service has no endpoints.
    /// </summary>
    public Upstream? Pick(in PickContext context, IReadOnlyCollection<Upstream>? avoid = null)
    {
        var now = _time.GetUtcNow();
        var picked = _balancer.Pick(context, now);
        if (avoid is null || avoid.Count == 0 || picked is null)
        {
            return picked;
        }
        for (var i = 0; i < 3 && avoid.Contains(picked); i++)
        {
            picked = _balancer.Pick(context, now) ?? picked;
        }
        return picked;
    }

    /// <summary>How a connection or request to <paramref name="upstream"/> ended, for outlier detection.</summary>
    public void Report(Upstream upstream, Outcome outcome) => _health?.Report(upstream, outcome);

    public ValueTask DisposeAsync() => _health?.DisposeAsync() ?? ValueTask.CompletedTask;
}
