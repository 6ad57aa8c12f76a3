using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Resilience;

/// <summary>
/// Three instances of a backend (127.0.0.2-4, one port) behind one serving agent, and a frontend agent with an
/// outbound listener per service; every service has the same three endpoints and its own policy: each load-balancing
/// policy, one with active and passive health checks and retries, one with a tight circuit breaker, one with a short
/// timeout.
/// </summary>
public sealed class ResilienceMesh : IAsyncLifetime
{
    public static readonly SpiffeId FrontendId = TestCa.Id("demo", "frontend");
    public static readonly SpiffeId BackendId = TestCa.Id("demo", "backend");

    public static readonly (string Name, ServicePolicy Policy)[] Services =
    [
        ("rr.demo", new ServicePolicy { LoadBalancer = new LoadBalancerPolicy { Kind = LoadBalancerKind.RoundRobin } }),
        ("random.demo", new ServicePolicy { LoadBalancer = new LoadBalancerPolicy { Kind = LoadBalancerKind.Random } }),
        ("least.demo", new ServicePolicy { LoadBalancer = new LoadBalancerPolicy { Kind = LoadBalancerKind.LeastRequest } }),
        ("hash.demo", new ServicePolicy { LoadBalancer = new LoadBalancerPolicy { Kind = LoadBalancerKind.RingHash, Hash = new HashKey { Header = "x-user" } } }),
        ("resilient.demo", new ServicePolicy
        {
            HealthCheck = new HealthCheckPolicy { Kind = HealthCheckKind.Http, Path = "/healthz", Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(500), UnhealthyThreshold = 2, HealthyThreshold = 2 },
            OutlierDetection = new OutlierDetectionPolicy { Consecutive5xx = 3, ConsecutiveGatewayErrors = 3, ConsecutiveConnectFailures = 3, BaseEjectionTime = TimeSpan.FromSeconds(30), MaxEjectionPercent = 50 },
            Retries = new RetryPolicy { Attempts = 2, OnStatuses = [502, 503], BackoffBase = TimeSpan.FromMilliseconds(5), BackoffMax = TimeSpan.FromMilliseconds(20) },
        }),
        ("breaker.demo", new ServicePolicy { CircuitBreaker = new CircuitBreakerPolicy { MaxPendingRequests = 1 } }),
        ("timeout.demo", new ServicePolicy { Timeout = TimeSpan.FromMilliseconds(500) }),
    ];

    public TestCa Ca { get; private set; } = null!;
    public NamedBackends Backends { get; private set; } = null!;
    public AgentHost BackendAgent { get; private set; } = null!;
    public AgentHost FrontendAgent { get; private set; } = null!;
    public LogSink Logs { get; } = new();
    public string Dir { get; private set; } = null!;

    public string Url(string service, string path = "/name") =>
        $"http://127.0.0.1:{FrontendAgent.OutboundEndpoints[Array.FindIndex(Services, s => s.Name == service)].Port}{path}";

    public async Task InitializeAsync()
    {
        Dir = Directory.CreateTempSubdirectory("mesh-resilience-").FullName;
        Ca = await TestCa.StartAsync(FrontendId, BackendId);
        Ca.Register("node-a", FrontendId);
        Ca.Register("node-b", BackendId);
        Backends = await NamedBackends.CreateAsync(3);
        var policies = Path.Combine(Dir, "policies");
        Directory.CreateDirectory(policies);
        var workloads = Enumerable.Range(0, Backends.Count).Select(i => MeshFixture.Workload(NamedBackends.NameOf(i), BackendId, new WorkloadPort(Backends.Port, PortProtocol.Http)) with
        {
            Address = NamedBackends.AddressOf(i),
            Labels = new Dictionary<string, string> { ["app"] = "backend" },
        }).ToList();
        BackendAgent = await AgentHost.StartAsync(TestAgentOptions.For(Dir, Ca, "node-b", policies, workloads, ServiceRegistry.Empty, []), Logs.Configure);
        var endpoints = Enumerable.Range(0, Backends.Count).Select(i => new ServiceEndpoint(NamedBackends.AddressOf(i), BackendAgent.InboundEndpoint, BackendId)).ToList();
        var registry = new ServiceRegistry(Services.Select(s => new RegisteredService(s.Name, [new ServicePort(80, Backends.Port, PortProtocol.Http)], endpoints) { Policy = s.Policy }));
        var frontend = MeshFixture.Workload("frontend", FrontendId);
        var any = new IPEndPoint(IPAddress.Loopback, 0);
        FrontendAgent = await AgentHost.StartAsync(TestAgentOptions.For(Dir, Ca, "node-a", policies, [frontend], registry,
            [.. Services.Select(s => new OutboundListener(any, frontend, s.Name, 80))]), Logs.Configure);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await BackendAgent.WaitReadyAsync(ready.Token);
        await FrontendAgent.WaitReadyAsync(ready.Token);
    }

    public async Task DisposeAsync()
    {
        await FrontendAgent.DisposeAsync();
        await BackendAgent.DisposeAsync();
        await Backends.DisposeAsync();
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
