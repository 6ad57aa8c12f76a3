using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Health;

/// <summary>
/// Everything health-related for one service in one place, shared by the TCP and HTTP paths: active checking (when
/// the policy has a HealthCheck and a port to check), outlier detection (when it has OutlierDetection), and their
/// <see cref="Counters"/>. Both write the same <see cref="Upstream"/> objects the balancer reads.
/// </summary>
internal sealed class ServiceHealth : IAsyncDisposable
{
    private readonly ActiveHealthChecker? _checker;
    private readonly OutlierDetector? _outliers;

    /// <param name="transport">How active probes reach the endpoints (direct or through the mesh).</param>
    public ServiceHealth(RegisteredService service, IProbeTransport transport, TimeProvider time, ILoggerFactory loggers, Func<double>? random = null)
    {
        Name = service.Name;
        Counters = new HealthCounters(time);
        if (service.Policy.OutlierDetection is { } detection)
        {
            _outliers = new OutlierDetector(service.Name, detection, Counters, time, loggers.CreateLogger<OutlierDetector>());
        }
        if (service.Policy.HealthCheck is { } check && HealthProbes.PortFor(service, check.Kind) is { } port)
        {
            var probe = HealthProbes.Create(check, port, transport);
            _checker = new ActiveHealthChecker(service.Name, check, probe, Counters, time, loggers.CreateLogger<ActiveHealthChecker>(), _outliers, random);
        }
    }

    public string Name { get; }

    public HealthCounters Counters { get; }

    public bool ActiveChecking => _checker is not null;

    public bool OutlierDetection => _outliers is not null;

    /// <summary>The service's endpoints changed (pass the same Upstream objects for endpoints that stayed).</summary>
    public void Update(IReadOnlyList<Upstream> upstreams)
    {
        Counters.Track(upstreams);
        _outliers?.Update(upstreams);
        _checker?.Update(upstreams);
    }

    /// <summary>A request or connection to <paramref name="upstream"/> ended so; true when it got the endpoint ejected.</summary>
    public bool Report(Upstream upstream, Outcome outcome) => _outliers?.Report(upstream, outcome) ?? false;

    public ValueTask DisposeAsync() => _checker?.DisposeAsync() ?? ValueTask.CompletedTask;
}
