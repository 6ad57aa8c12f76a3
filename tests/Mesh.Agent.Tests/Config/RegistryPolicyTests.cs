using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Config;

/// <summary>The per-service traffic policy (Istio DestinationRule fields) and DNS-defined services of the registry file.</summary>
public sealed class RegistryPolicyTests : IDisposable
{
    private const string FullPolicy = """
        services:
          - name: api.demo
            ports: [{ port: 80, protocol: http }]
            loadBalancer:
              consistentHash:
                httpHeaderName: x-user
                minimumRingSize: 2048
            healthCheck:
              http: { path: /healthz, expectedStatuses: [200, 204] }
              interval: 5s
              timeout: 1s
              jitter: 500ms
              healthyThreshold: 2
              unhealthyThreshold: 3
            outlierDetection:
              consecutive5xxErrors: 7
              consecutiveGatewayErrors: 4
              consecutiveConnectFailures: 6
              baseEjectionTime: 1m30s
              maxEjectionPercent: 50
            timeout: 15s
            retries:
              attempts: 3
              perTryTimeout: 1.5s
              retryOn: "connect-failure,reset,503"
              budgetPercent: 25.5
              minRetryConcurrency: 4
              backoff: { base: 10ms, max: 1s }
            connectionPool: { maxConnections: 100, maxPendingRequests: 50, maxRequestsPerEndpoint: 10 }
            endpoints:
              - address: 127.0.0.2
                agent: 127.0.0.2:15008
                identity: spiffe://cluster.local/ns/demo/sa/api
          - name: ext.demo
            ports: [{ port: 443, protocol: grpc }]
            healthCheck: { grpc: { service: health.v1 } }
            dns: { name: ext.example.internal, type: A, port: 8443, agentPort: 15008, identity: spiffe://cluster.local/ns/demo/sa/ext }

        """;

    private readonly ConfigDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string yaml) => _dir.Write("registry.yaml", yaml);

    private static string Mutate(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the base text does not contain '{find}'");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"the base text contains '{find}' more than once");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    [Fact]
    public void Full_policy_maps_onto_every_service_policy_field()
    {
        var policy = RegistryLoader.Load(Write(FullPolicy)).Find("api.demo")!.Policy;

        Assert.Equal(new LoadBalancerPolicy { Kind = LoadBalancerKind.RingHash, Hash = new HashKey { Header = "x-user" }, MinimumRingSize = 2048 }, policy.LoadBalancer);
        var hc = policy.HealthCheck!;
        Assert.Equal((HealthCheckKind.Http, "/healthz", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 2, 3),
            (hc.Kind, hc.Path, hc.Interval, hc.Timeout, hc.Jitter, hc.HealthyThreshold, hc.UnhealthyThreshold));
        Assert.Equal([200, 204], hc.ExpectedStatuses);
        Assert.Equal(new OutlierDetectionPolicy
        {
            Consecutive5xx = 7, ConsecutiveGatewayErrors = 4, ConsecutiveConnectFailures = 6, BaseEjectionTime = TimeSpan.FromSeconds(90), MaxEjectionPercent = 50,
        }, policy.OutlierDetection);
        Assert.Equal(TimeSpan.FromSeconds(15), policy.Timeout);
        var r = policy.Retries!;
        Assert.Equal((3, TimeSpan.FromMilliseconds(1500), true, true, 25.5, 4, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1)),
            (r.Attempts, r.PerTryTimeout, r.OnConnectFailure, r.OnReset, r.BudgetPercent, r.MinRetryConcurrency, r.BackoffBase, r.BackoffMax));
        Assert.Equal([503], r.OnStatuses);
        Assert.Equal(new CircuitBreakerPolicy { MaxConnections = 100, MaxPendingRequests = 50, MaxRequestsPerEndpoint = 10 }, policy.CircuitBreaker);
    }

    [Fact]
    public void Service_without_policy_fields_gets_the_defaults()
    {
        var registry = RegistryLoader.Load(Write("services:\n  - name: plain.demo\n    ports: [{ port: 80, protocol: http }]\n"));

        Assert.Equal(ServicePolicy.Default, registry.Find("plain.demo")!.Policy);
    }

    [Fact]
    public void Sections_written_with_no_fields_get_each_field_default()
    {
        var yaml = """
            services:
              - name: plain.demo
                healthCheck: { tcp: {} }
                outlierDetection: {}
                retries: {}
                loadBalancer: { simple: least_request }
            """;

        var policy = RegistryLoader.Load(Write(yaml)).Find("plain.demo")!.Policy;

        Assert.Equal(LoadBalancerKind.LeastRequest, policy.LoadBalancer.Kind);
        Assert.Equal(HealthCheckKind.Tcp, policy.HealthCheck!.Kind);
        Assert.Equal(new HealthCheckPolicy().Interval, policy.HealthCheck.Interval);
        Assert.Equal(new OutlierDetectionPolicy(), policy.OutlierDetection);
        Assert.Equal(new RetryPolicy().Attempts, policy.Retries!.Attempts);
        Assert.True(policy.Retries.OnConnectFailure && policy.Retries.OnReset);
        Assert.Null(policy.Timeout);
    }

    [Theory]
    [InlineData("httpCookie: { name: session }", null, "session", false)]
    [InlineData("useSourceIp: true", null, null, true)]
    public void Each_hash_key_is_read(string key, string? header, string? cookie, bool sourceIp)
    {
        var policy = RegistryLoader.Load(Write(Mutate(FullPolicy, "httpHeaderName: x-user", key))).Find("api.demo")!.Policy;

        Assert.Equal(new HashKey { Header = header, Cookie = cookie, SourceIp = sourceIp }, policy.LoadBalancer.Hash);
    }

    [Fact]
    public void Retry_on_5xx_and_gateway_error_expand_to_statuses()
    {
        var policy = RegistryLoader.Load(Write(Mutate(FullPolicy, "\"connect-failure,reset,503\"", "\"gateway-error, 429\""))).Find("api.demo")!.Policy;

        Assert.Equal([429, 502, 503, 504], policy.Retries!.OnStatuses);
        Assert.False(policy.Retries.OnConnectFailure || policy.Retries.OnReset);
    }

    [Fact]
    public void Dns_service_is_a_definition_with_the_service_ports_and_policy()
    {
        var document = RegistryLoader.Read(Write(FullPolicy));

        var dns = Assert.Single(document.DnsServices);
        Assert.Equal(("ext.example.internal", DnsRecordType.A, (int?)8443, 15008, SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/ext")),
            (dns.Name, dns.Type, dns.Port, dns.AgentPort, dns.Identity));
        Assert.Equal("ext.demo", dns.Service.Name);
        Assert.Equal(HealthCheckKind.Grpc, dns.Service.Policy.HealthCheck!.Kind);
        Assert.Equal("health.v1", dns.Service.Policy.HealthCheck.GrpcService);
        Assert.Equal(["api.demo"], document.Services.Select(s => s.Name));
        Assert.Empty(RegistryLoader.Load(Write(FullPolicy)).Find("ext.demo")!.Endpoints);
    }

    public static TheoryData<string, string, string, string> ErrorCases => new()
    {
        // scenario, text in the full policy, replacement, the problem line that must be reported
        { "both simple and consistentHash", "  loadBalancer:\n", "  loadBalancer:\n      simple: RANDOM\n", "services[0].loadBalancer: set exactly one of simple (ROUND_ROBIN, RANDOM, LEAST_REQUEST) or consistentHash" },
        { "unknown simple", "loadBalancer:\n      consistentHash:\n        httpHeaderName: x-user\n        minimumRingSize: 2048", "loadBalancer: { simple: MAGLEV }", "services[0].loadBalancer.simple: 'MAGLEV' is not supported; use ROUND_ROBIN, RANDOM or LEAST_REQUEST" },
        { "two hash keys", "httpHeaderName: x-user", "httpHeaderName: x-user\n        useSourceIp: true", "services[0].loadBalancer.consistentHash: set exactly one hash key: httpHeaderName, httpCookie or useSourceIp" },
        { "no hash key", "httpHeaderName: x-user\n", "", "services[0].loadBalancer.consistentHash: set exactly one hash key" },
        { "source ip false", "httpHeaderName: x-user", "useSourceIp: false", "services[0].loadBalancer.consistentHash.useSourceIp: false hashes nothing" },
        { "source ip not a bool", "httpHeaderName: x-user", "useSourceIp: maybe", "services[0].loadBalancer.consistentHash.useSourceIp: 'maybe' must be true or false" },
        { "cookie without name", "httpHeaderName: x-user", "httpCookie: {}", "services[0].loadBalancer.consistentHash.httpCookie.name: required" },
        { "ring size zero", "minimumRingSize: 2048", "minimumRingSize: 0", "services[0].loadBalancer.consistentHash.minimumRingSize: '0' must be a whole number 1..8388608" },
        { "two health check kinds", "http: { path: /healthz, expectedStatuses: [200, 204] }", "http: { path: /healthz }\n      tcp: {}", "services[0].healthCheck: set exactly one of http, tcp or grpc" },
        { "no health check kind", "      http: { path: /healthz, expectedStatuses: [200, 204] }\n", "", "services[0].healthCheck: set exactly one of http, tcp or grpc" },
        { "health path without slash", "path: /healthz", "path: healthz", "services[0].healthCheck.http.path: 'healthz' must start with /" },
        { "expected status out of range", "[200, 204]", "[200, 99]", "services[0].healthCheck.http.expectedStatuses[1]: '99' must be a whole number 100..599" },
        { "interval not a duration", "interval: 5s", "interval: 5 seconds", "services[0].healthCheck.interval: '5 seconds' is not a duration" },
        { "interval zero", "interval: 5s", "interval: 0s", "services[0].healthCheck.interval: '0s' must be greater than zero" },
        { "health timeout longer than interval", "timeout: 1s", "timeout: 10s", "services[0].healthCheck.timeout: 10s is longer than the interval 5s" },
        { "health timeout longer than the default interval", "      interval: 5s\n      timeout: 1s", "      timeout: 6s", "services[0].healthCheck.timeout: 6s is longer than the interval 5s (default)" },
        { "healthy threshold zero", "healthyThreshold: 2", "healthyThreshold: 0", "services[0].healthCheck.healthyThreshold: '0' must be a whole number 1..1000" },
        { "unhealthy threshold zero", "unhealthyThreshold: 3", "unhealthyThreshold: 0", "services[0].healthCheck.unhealthyThreshold: '0' must be a whole number 1..1000" },
        { "unknown health check field", "jitter: 500ms", "jiter: 500ms", "unknown field 'jiter'" },
        { "negative 5xx count", "consecutive5xxErrors: 7", "consecutive5xxErrors: -1", "services[0].outlierDetection.consecutive5xxErrors: '-1' must be a whole number 0..100000" },
        { "ejection time zero", "baseEjectionTime: 1m30s", "baseEjectionTime: 0s", "services[0].outlierDetection.baseEjectionTime: '0s' must be greater than zero" },
        { "ejection percent over 100", "maxEjectionPercent: 50", "maxEjectionPercent: 101", "services[0].outlierDetection.maxEjectionPercent: '101' must be a whole number 0..100" },
        { "timeout zero", "timeout: 15s", "timeout: 0ms", "services[0].timeout: '0ms' must be greater than zero" },
        { "per-try timeout not a duration", "perTryTimeout: 1.5s", "perTryTimeout: soon", "services[0].retries.perTryTimeout: 'soon' is not a duration" },
        { "unknown retry condition", "connect-failure,reset,503", "connect-failure,teapot", "services[0].retries.retryOn: 'teapot' is not a retry condition" },
        { "budget over 100", "budgetPercent: 25.5", "budgetPercent: 150", "services[0].retries.budgetPercent: '150' must be a percentage 0..100" },
        { "backoff max under base", "max: 1s", "max: 5ms", "services[0].retries.backoff.max: 5ms is shorter than backoff.base 10ms" },
        { "pool zero connections", "maxConnections: 100", "maxConnections: 0", "services[0].connectionPool.maxConnections: '0' must be a whole number 1..2147483647" },
        { "dns and endpoints", "    dns:", "    endpoints: [{ address: 127.0.0.3, agent: 127.0.0.3:15008, identity: spiffe://cluster.local/ns/demo/sa/ext }]\n    dns:", "services[1]: set endpoints or dns, not both" },
        { "dns name not a name", "name: ext.example.internal", "name: 'ext example'", "services[1].dns.name: 'ext example' is not a DNS name" },
        { "dns type unknown", "type: A,", "type: MX,", "services[1].dns.type: 'MX' is not supported; use A, AAAA or SRV" },
        { "dns srv with port", "type: A,", "type: SRV,", "services[1].dns.port: SRV records carry their own ports; leave port out" },
        { "dns without agent port", "agentPort: 15008, ", "", "services[1].dns.agentPort: required" },
        { "dns without identity", ", identity: spiffe://cluster.local/ns/demo/sa/ext", "", "services[1].dns.identity: required" },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Each_policy_error_is_reported_with_its_path(string scenario, string find, string replace, string expected)
    {
        var path = Write(Mutate(FullPolicy, find, replace));

        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(path));

        Assert.True(e.Message.Split('\n').Any(l => l.Trim().StartsWith(expected, StringComparison.Ordinal) || l.Contains(expected, StringComparison.Ordinal)),
            $"{scenario}: expected '{expected}', got:\n{e.Message}");
    }

    [Fact]
    public void Several_policy_errors_are_all_reported_at_once()
    {
        var yaml = Mutate(FullPolicy, "interval: 5s", "interval: 0s");
        yaml = Mutate(yaml, "maxEjectionPercent: 50", "maxEjectionPercent: 101");
        yaml = Mutate(yaml, "type: A,", "type: MX,");
        var path = Write(yaml);

        var e = Assert.Throws<ConfigException>(() => RegistryLoader.Load(path));

        Assert.Equal(
            [
                $"{path}: invalid service registry:",
                "services[0].healthCheck.interval: '0s' must be greater than zero",
                "services[0].outlierDetection.maxEjectionPercent: '101' must be a whole number 0..100",
                "services[1].dns.type: 'MX' is not supported; use A, AAAA or SRV",
            ],
            e.Message.Split('\n').Select(l => l.Trim()));
    }

    [Fact]
    public void Srv_dns_name_with_underscores_is_accepted()
    {
        var yaml = Mutate(Mutate(FullPolicy, "type: A, port: 8443,", "type: SRV,"), "name: ext.example.internal", "name: _grpc._tcp.ext.example.internal");

        var dns = Assert.Single(RegistryLoader.Read(Write(yaml)).DnsServices);

        Assert.Equal((DnsRecordType.Srv, (int?)null, "_grpc._tcp.ext.example.internal"), (dns.Type, dns.Port, dns.Name));
    }
}
