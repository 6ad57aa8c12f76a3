namespace Mesh.Agent.Config;

/// <summary>
/// How traffic to one service is balanced, health-checked and made resilient (issue #7). Istio's DestinationRule
/// names, one record per concern; every part has a default that is what Envoy does without configuration.
/// Immutable; loaded from the registry (<see cref="RegistryLoader"/>) or a discovery source.
/// </summary>
public sealed record ServicePolicy
{
    public static ServicePolicy Default { get; } = new();

    public LoadBalancerPolicy LoadBalancer { get; init; } = LoadBalancerPolicy.Default;

    /// <summary>Active health checking; null: none (endpoints are healthy until passive detection ejects them).</summary>
    public HealthCheckPolicy? HealthCheck { get; init; }

    /// <summary>Passive health checking (outlier detection); null: none.</summary>
    public OutlierDetectionPolicy? OutlierDetection { get; init; }

    /// <summary>The whole request's deadline, retries included (Envoy's route timeout); null: none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Retries of failed requests; null: none.</summary>
    public RetryPolicy? Retries { get; init; }

    public CircuitBreakerPolicy CircuitBreaker { get; init; } = CircuitBreakerPolicy.Default;
}

public enum LoadBalancerKind
{
    RoundRobin,
    Random,

    /// <summary>Power of two choices on active requests (Envoy's LEAST_REQUEST).</summary>
    LeastRequest,

    /// <summary>Consistent hashing on a ring (Envoy's RING_HASH), on <see cref="LoadBalancerPolicy.Hash"/>.</summary>
    RingHash,
}

/// <summary>What a ring-hash balancer hashes: exactly one of a header, a cookie, or the source IP.</summary>
public sealed record HashKey
{
    public string? Header { get; init; }
    public string? Cookie { get; init; }
    public bool SourceIp { get; init; }
}

public sealed record LoadBalancerPolicy
{
    public static LoadBalancerPolicy Default { get; } = new();

    public LoadBalancerKind Kind { get; init; } = LoadBalancerKind.RoundRobin;

    /// <summary>RingHash only: what is hashed.</summary>
    public HashKey? Hash { get; init; }

    /// <summary>RingHash only: the minimum number of ring entries (Envoy's minimum_ring_size, default 1024).</summary>
    public int MinimumRingSize { get; init; } = 1024;
}

public enum HealthCheckKind
{
    Http,
    Tcp,

    /// <summary>grpc.health.v1.Health/Check; SERVING is healthy, anything else is not.</summary>
    Grpc,
}

public sealed record HealthCheckPolicy
{
    public HealthCheckKind Kind { get; init; } = HealthCheckKind.Tcp;

    /// <summary>HTTP: the path requested (GET).</summary>
    public string Path { get; init; } = "/";

    /// <summary>HTTP: statuses that mean healthy (default 200-299 when empty).</summary>
    public IReadOnlyList<int> ExpectedStatuses { get; init; } = [];

    /// <summary>gRPC: the service name asked about ("" is the whole server).</summary>
    public string GrpcService { get; init; } = "";

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each interval is lengthened by a random amount up to this, so checks of many agents do not align.</summary>
    public TimeSpan Jitter { get; init; } = TimeSpan.Zero;

    /// <summary>Consecutive successes that make an unhealthy endpoint healthy.</summary>
    public int HealthyThreshold { get; init; } = 2;

    /// <summary>Consecutive failures that make a healthy endpoint unhealthy.</summary>
    public int UnhealthyThreshold { get; init; } = 3;
}

public sealed record OutlierDetectionPolicy
{
    /// <summary>Consecutive 5xx responses (including gateway errors) that eject an endpoint; 0 disables.</summary>
    public int Consecutive5xx { get; init; } = 5;

    /// <summary>Consecutive 502/503/504 (and connect failures) that eject an endpoint; 0 disables.</summary>
    public int ConsecutiveGatewayErrors { get; init; }

    /// <summary>Consecutive failures to connect (tunnel refused, reset before a response) that eject an endpoint; 0 disables.</summary>
    public int ConsecutiveConnectFailures { get; init; } = 5;

    /// <summary>An ejection lasts this times the number of times the endpoint has been ejected.</summary>
    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this share of the service's endpoints is ejected at once (Envoy's default 10%; at least one).</summary>
    public int MaxEjectionPercent { get; init; } = 10;
}

public sealed record RetryPolicy
{
    /// <summary>Retries after the first try (Istio's attempts).</summary>
    public int Attempts { get; init; } = 2;

    /// <summary>Each try's deadline; null: only the service timeout.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    public bool OnConnectFailure { get; init; } = true;
    public bool OnReset { get; init; } = true;

    /// <summary>Response statuses that are retried (e.g. 503).</summary>
    public IReadOnlyList<int> OnStatuses { get; init; } = [];

    /// <summary>Retries may add at most this percentage of the active requests (Envoy's retry budget).</summary>
    public double BudgetPercent { get; init; } = 20;

    /// <summary>Retries allowed regardless of the budget while few requests are active.</summary>
    public int MinRetryConcurrency { get; init; } = 3;

    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(25);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>Envoy's circuit-breaker thresholds; a request over one is answered 503 with the reason.</summary>
public sealed record CircuitBreakerPolicy
{
    public static CircuitBreakerPolicy Default { get; } = new();

    /// <summary>Connections to all endpoints of the service at once (TCP: app connections; HTTP: open streams).</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Requests waiting for a connection or a concurrency slot.</summary>
    public int MaxPendingRequests { get; init; } = 1024;

    /// <summary>Requests in flight to one endpoint.</summary>
    public int MaxRequestsPerEndpoint { get; init; } = 1024;
}
