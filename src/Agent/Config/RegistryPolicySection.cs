namespace Mesh.Agent.Config;

// The per-service traffic policy fields of a registry service (Istio DestinationRule names), as written.
// ServicePolicyReader validates them into a ServicePolicy.
internal sealed class RegistryPolicySection
{
    public static RegistryPolicySection None { get; } = new();

    public LoadBalancerSection? LoadBalancer { get; private init; }
    public HealthCheckSection? HealthCheck { get; private init; }
    public OutlierSection? OutlierDetection { get; private init; }
    public string? Timeout { get; private init; }
    public RetriesSection? Retries { get; private init; }
    public PoolSection? ConnectionPool { get; private init; }

    /// <summary>Takes the policy fields out of a service's mapping (the caller checks that nothing else is left).</summary>
    public static RegistryPolicySection Read(YamlMap service) => new()
    {
        LoadBalancer = service.Map("loadBalancer") is { } lb ? LoadBalancerSection.Read(lb) : null,
        HealthCheck = service.Map("healthCheck") is { } hc ? HealthCheckSection.Read(hc) : null,
        OutlierDetection = service.Map("outlierDetection") is { } od ? OutlierSection.Read(od) : null,
        Timeout = service.String("timeout"),
        Retries = service.Map("retries") is { } r ? RetriesSection.Read(r) : null,
        ConnectionPool = service.Map("connectionPool") is { } cp ? PoolSection.Read(cp) : null,
    };

    internal sealed class LoadBalancerSection
    {
        public string? Simple { get; private init; }
        public ConsistentHashSection? ConsistentHash { get; private init; }

        public static LoadBalancerSection Read(YamlMap map)
        {
            var lb = new LoadBalancerSection
            {
                Simple = map.String("simple"),
                ConsistentHash = map.Map("consistentHash") is { } ch ? ConsistentHashSection.Read(ch) : null,
            };
            map.EnsureAllRead();
            return lb;
        }
    }

    internal sealed class ConsistentHashSection
    {
        public string? HttpHeaderName { get; private init; }
        public string? HttpCookieName { get; private init; }
        public bool HasHttpCookie { get; private init; }
        public string? UseSourceIp { get; private init; }
        public string? MinimumRingSize { get; private init; }

        public static ConsistentHashSection Read(YamlMap map)
        {
            var cookie = map.Map("httpCookie");
            var section = new ConsistentHashSection
            {
                HttpHeaderName = map.String("httpHeaderName"),
                HasHttpCookie = cookie is not null,
                HttpCookieName = cookie?.String("name"),
                UseSourceIp = map.String("useSourceIp"),
                MinimumRingSize = map.String("minimumRingSize"),
            };
            cookie?.EnsureAllRead();
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class HealthCheckSection
    {
        public bool HasHttp { get; private init; }
        public string? HttpPath { get; private init; }
        public IReadOnlyList<string> HttpExpectedStatuses { get; private init; } = [];
        public bool HasTcp { get; private init; }
        public bool HasGrpc { get; private init; }
        public string? GrpcService { get; private init; }
        public string? Interval { get; private init; }
        public string? Timeout { get; private init; }
        public string? Jitter { get; private init; }
        public string? HealthyThreshold { get; private init; }
        public string? UnhealthyThreshold { get; private init; }

        public static HealthCheckSection Read(YamlMap map)
        {
            var http = map.Map("http");
            var tcp = map.Map("tcp");
            var grpc = map.Map("grpc");
            var section = new HealthCheckSection
            {
                HasHttp = http is not null,
                HttpPath = http?.String("path"),
                HttpExpectedStatuses = http?.StringList("expectedStatuses") ?? [],
                HasTcp = tcp is not null,
                HasGrpc = grpc is not null,
                GrpcService = grpc?.String("service"),
                Interval = map.String("interval"),
                Timeout = map.String("timeout"),
                Jitter = map.String("jitter"),
                HealthyThreshold = map.String("healthyThreshold"),
                UnhealthyThreshold = map.String("unhealthyThreshold"),
            };
            http?.EnsureAllRead();
            tcp?.EnsureAllRead();
            grpc?.EnsureAllRead();
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class OutlierSection
    {
        public string? Consecutive5xxErrors { get; private init; }
        public string? ConsecutiveGatewayErrors { get; private init; }
        public string? ConsecutiveConnectFailures { get; private init; }
        public string? BaseEjectionTime { get; private init; }
        public string? MaxEjectionPercent { get; private init; }

        public static OutlierSection Read(YamlMap map)
        {
            var section = new OutlierSection
            {
                Consecutive5xxErrors = map.String("consecutive5xxErrors"),
                ConsecutiveGatewayErrors = map.String("consecutiveGatewayErrors"),
                ConsecutiveConnectFailures = map.String("consecutiveConnectFailures"),
                BaseEjectionTime = map.String("baseEjectionTime"),
                MaxEjectionPercent = map.String("maxEjectionPercent"),
            };
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class RetriesSection
    {
        public string? Attempts { get; private init; }
        public string? PerTryTimeout { get; private init; }
        public string? RetryOn { get; private init; }
        public string? BudgetPercent { get; private init; }
        public string? MinRetryConcurrency { get; private init; }
        public string? BackoffBase { get; private init; }
        public string? BackoffMax { get; private init; }

        public static RetriesSection Read(YamlMap map)
        {
            var backoff = map.Map("backoff");
            var section = new RetriesSection
            {
                Attempts = map.String("attempts"),
                PerTryTimeout = map.String("perTryTimeout"),
                RetryOn = map.String("retryOn"),
                BudgetPercent = map.String("budgetPercent"),
                MinRetryConcurrency = map.String("minRetryConcurrency"),
                BackoffBase = backoff?.String("base"),
                BackoffMax = backoff?.String("max"),
            };
            backoff?.EnsureAllRead();
            map.EnsureAllRead();
            return section;
        }
    }

    internal sealed class PoolSection
    {
        public string? MaxConnections { get; private init; }
        public string? MaxPendingRequests { get; private init; }
        public string? MaxRequestsPerEndpoint { get; private init; }

        public static PoolSection Read(YamlMap map)
        {
            var section = new PoolSection
            {
                MaxConnections = map.String("maxConnections"),
                MaxPendingRequests = map.String("maxPendingRequests"),
                MaxRequestsPerEndpoint = map.String("maxRequestsPerEndpoint"),
            };
            map.EnsureAllRead();
            return section;
        }
    }
}
