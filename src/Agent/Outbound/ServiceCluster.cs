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
    private readonly IProbeTransport? _probes;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private ServiceHealth? _health;
    private RegisteredService _service;

    /// <param name="probes">How active health checks reach the endpoints (through the mesh as a local identity); null: no active checks.</param>
    public ServiceCluster(RegisteredService service, IProbeTransport? probes, TimeProvider time, ILoggerFactory loggers)
    {
        _service = service;
        _probes = probes;
        _loggers = loggers;
        _time = time;
        _balancer = new ServiceBalancer(service);
        Breaker = new CircuitBreaker(service.Name, service.Policy.CircuitBreaker);
        Retries = service.Policy.Retries is { } retries ? new RetryBudget(retries) : null;
        _health = CreateHealth(service);
    }

    public RegisteredService Service => Volatile.Read(ref _service);

    public string Name => Service.Name;

    public ServicePolicy Policy => Service.Policy;

    /// <summary>
    /// The registry changed: endpoints that stay keep their state (health, ejection, requests in flight), new ones start
    /// healthy, removed ones go. A changed health policy restarts checking; breaker and retry thresholds stay as they
    /// were at start (a restart applies them).
    /// </summary>
    public async Task UpdateAsync(RegisteredService service)
    {
        var old = Volatile.Read(ref _service);
        Volatile.Write(ref _service, service);
        _balancer.Update(service.Endpoints, service.Policy.LoadBalancer);
        if (old.Policy.HealthCheck != service.Policy.HealthCheck || old.Policy.OutlierDetection != service.Policy.OutlierDetection)
        {
            var previous = _health;
            _health = CreateHealth(service);
            if (previous is not null)
            {
                await previous.DisposeAsync().ConfigureAwait(false);
            }
            return;
        }
        _health?.Update(_balancer.Upstreams);
    }

    private ServiceHealth? CreateHealth(RegisteredService service)
    {
        if (_probes is null || (service.Policy.HealthCheck is null && service.Policy.OutlierDetection is null))
        {
            return null;
        }
        var health = new ServiceHealth(service, _probes, _time, _loggers);
        health.Update(_balancer.Upstreams);
        return health;
    }

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
