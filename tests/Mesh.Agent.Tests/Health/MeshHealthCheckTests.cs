using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Config;
using Mesh.Agent.Health;
using Mesh.Agent.Identity;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.Tunnel;
using Microsoft.Extensions.Logging.Abstractions;
using static Mesh.Agent.Tests.Health.HealthTestSupport;

namespace Mesh.Agent.Tests.Health;

/// <summary>
/// Checks through the tunnel: a real CA, the backend's agent (mTLS inbound, authorization policy) in front of a real
/// backend, and a connection pool holding the frontend's SVID, as the frontend's agent would probe. Not the shared
/// mesh fixture, because these tests stop the backend.
/// </summary>
public sealed class MeshHealthCheckTests : IAsyncLifetime
{
    private string _dir = null!;
    private TestCa _ca = null!;
    private TestBackend? _backend;
    private AgentHost _agent = null!;
    private PeerConnectionPool _pool = null!;
    private AgentMetrics _metrics = null!;
    private int _httpPort;
    private int _tcpPort;
    private readonly LogSink _logs = new();

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("mesh-health-").FullName;
        _ca = await TestCa.StartAsync(MeshFixture.FrontendId, MeshFixture.BackendId);
        _ca.Register("node-b", MeshFixture.BackendId);
        _backend = await TestBackend.StartAsync();
        (_httpPort, _tcpPort) = (_backend.HttpPort, _backend.TcpPort);
        var policies = Path.Combine(_dir, "policies");
        Directory.CreateDirectory(policies);
        File.WriteAllText(Path.Combine(policies, "backend.yaml"), MeshFixture.Policies(_httpPort, _tcpPort, 1));
        var workload = MeshFixture.Workload("backend", MeshFixture.BackendId, new WorkloadPort(_httpPort, PortProtocol.Http), new WorkloadPort(_tcpPort, PortProtocol.Tcp));
        _agent = await AgentHost.StartAsync(new AgentOptions
        {
            Node = "node-b",
            TrustDomain = TestCa.TrustDomain,
            Ca = new CaEndpointOptions(_ca.Server.Address, _ca.Server.RootCertPath, _ca.JoinToken("node-b")) { StateDir = Path.Combine(_dir, "node-b-state") },
            PoliciesDir = policies,
            DecisionLogPath = Path.Combine(_dir, "decisions.log"),
            Registry = ServiceRegistry.Empty,
            InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            Workloads = [workload],
        }, _logs.Configure);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _agent.WaitReadyAsync(ready.Token);

        var credentials = new CredentialStore(TestCa.TrustDomain, TimeProvider.System);
        credentials.Set(await _ca.IssueAsync(MeshFixture.FrontendId));
        _metrics = new AgentMetrics();
        _pool = new PeerConnectionPool(credentials, _metrics, TimeProvider.System, TimeSpan.FromSeconds(3), NullLogger<PeerConnectionPool>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        _metrics.Dispose();
        await _agent.DisposeAsync();
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
        await _ca.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Upstream Backend() => new(new ServiceEndpoint(IPAddress.Loopback, _agent.InboundEndpoint, MeshFixture.BackendId));

    [Fact]
    public async Task Tcp_and_http_checks_pass_through_the_tunnel_and_fail_when_the_backend_stops()
    {
        var transport = new MeshProbeTransport(_pool, MeshFixture.FrontendId);
        var (tcp, http) = (Backend(), Backend());
        await using var tcpHealth = Checked(Fast(HealthCheckKind.Tcp), _tcpPort, PortProtocol.Tcp, transport, tcp);
        await using var httpHealth = Checked(Fast(HealthCheckKind.Http) with { Path = "/api/items" }, _httpPort, PortProtocol.Http, transport, http);

        Assert.True(await EventuallyAsync(() => tcpHealth.Counters.ActiveChecks >= 3 && httpHealth.Counters.ActiveChecks >= 3), "no checks ran");
        Assert.Equal(0, tcpHealth.Counters.ActiveCheckFailures);
        Assert.Equal(0, httpHealth.Counters.ActiveCheckFailures);
        Assert.True(tcp.ActiveHealthy && http.ActiveHealthy);
        // The probes went through the serving agent as the frontend, and its policy allowed them.
        await _agent.FlushDecisionLogAsync();
        var decisions = File.ReadAllText(Path.Combine(_dir, "decisions.log"));
        Assert.Contains("frontend", decisions);

        await _backend!.DisposeAsync();
        _backend = null;

        Assert.True(await EventuallyAsync(() => !tcp.ActiveHealthy), "the TCP check stayed healthy with the backend stopped");
        Assert.True(await EventuallyAsync(() => !http.ActiveHealthy), "the HTTP check stayed healthy with the backend stopped");
    }

    [Fact]
    public async Task A_check_the_serving_agent_denies_is_a_failure()
    {
        // deny-admin-api forbids /api/admin* on the HTTP port: the check sees what traffic would see.
        var transport = new MeshProbeTransport(_pool, MeshFixture.FrontendId);
        var upstream = Backend();
        await using var health = Checked(Fast(HealthCheckKind.Http) with { Path = "/api/admin/keys" }, _httpPort, PortProtocol.Http, transport, upstream);

        Assert.True(await EventuallyAsync(() => !upstream.ActiveHealthy), "a denied check passed");
        Assert.Equal(0, health.Counters.ActiveChecks - health.Counters.ActiveCheckFailures);
    }
}
