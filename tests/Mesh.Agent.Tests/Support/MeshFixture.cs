using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// A whole mesh on loopback, shared by the end-to-end tests: a real CA, a backend app, the backend's agent
/// (mTLS inbound) and the frontend's agent (outbound listeners for the backend's http and tcp ports).
/// </summary>
public sealed class MeshFixture : IAsyncLifetime
{
    public static readonly SpiffeId FrontendId = TestCa.Id("demo", "frontend");
    public static readonly SpiffeId BackendId = TestCa.Id("demo", "backend");
    public static readonly SpiffeId IntruderId = TestCa.Id("other", "intruder");
    public static readonly SpiffeId ImpostorId = TestCa.Id("demo", "impostor");

    public TestCa Ca { get; private set; } = null!;
    public TestBackend Backend { get; private set; } = null!;
    public CountingServer Counting { get; } = new();
    public AgentHost BackendAgent { get; private set; } = null!;
    public AgentHost FrontendAgent { get; private set; } = null!;
    public LogSink BackendLogs { get; } = new();
    public LogSink FrontendLogs { get; } = new();
    public string Dir { get; private set; } = null!;
    public string DecisionLogPath => Path.Combine(Dir, "decisions-backend.log");

    /// <summary>The frontend app's way into the mesh: its agent's outbound listeners.</summary>
    public int OutboundHttpPort => FrontendAgent.OutboundEndpoints[0].Port;
    public int OutboundTcpPort => FrontendAgent.OutboundEndpoints[1].Port;
    /// <summary>An outbound listener whose registry entry points at <see cref="ImpostorPort"/>, where an agent must prove it is the backend.</summary>
    public int OutboundToImpostorPort => FrontendAgent.OutboundEndpoints[2].Port;
    /// <summary>A tcp port whose workload answers only after the client half-closes.</summary>
    public int OutboundCountingPort => FrontendAgent.OutboundEndpoints[3].Port;
    public int ImpostorPort { get; } = FreePort();

    public async Task InitializeAsync()
    {
        Dir = Directory.CreateTempSubdirectory("mesh-test-").FullName;
        Ca = await TestCa.StartAsync(FrontendId, BackendId, IntruderId, ImpostorId);
        Backend = await TestBackend.StartAsync();
        var policies = Path.Combine(Dir, "policies");
        Directory.CreateDirectory(policies);
        File.WriteAllText(Path.Combine(policies, "backend.yaml"), Policies(Backend.HttpPort, Backend.TcpPort, Counting.Port));
        // Each agent bootstraps as the real thing does: a join token for its node, exchanged for the node certificate.
        Ca.Register("node-a", FrontendId);
        Ca.Register("node-b", BackendId);
        CaEndpointOptions CaFor(string node) => new(Ca.Server.Address, Ca.Server.RootCertPath, Ca.JoinToken(node)) { StateDir = Path.Combine(Dir, node + "-state") };

        var backendWorkload = Workload("backend", BackendId, new WorkloadPort(Backend.HttpPort, PortProtocol.Http), new WorkloadPort(Backend.TcpPort, PortProtocol.Tcp), new WorkloadPort(Counting.Port, PortProtocol.Tcp));
        BackendAgent = await AgentHost.StartAsync(Options("node-b", CaFor("node-b"), policies, "decisions-backend.log", [backendWorkload], ServiceRegistry.Empty, []), BackendLogs.Configure);

        var frontend = Workload("frontend", FrontendId);
        var registry = new ServiceRegistry(
        [
            new RegisteredService("backend.demo", [new ServicePort(80, Backend.HttpPort, PortProtocol.Http), new ServicePort(9000, Backend.TcpPort, PortProtocol.Tcp), new ServicePort(9100, Counting.Port, PortProtocol.Tcp)],
                [new ServiceEndpoint(IPAddress.Loopback, BackendAgent.InboundEndpoint, BackendId)]),
            new RegisteredService("spoofed.demo", [new ServicePort(80, Backend.HttpPort, PortProtocol.Http)],
                [new ServiceEndpoint(IPAddress.Loopback, new IPEndPoint(IPAddress.Loopback, ImpostorPort), BackendId)]),
        ]);
        var any = new IPEndPoint(IPAddress.Loopback, 0);
        FrontendAgent = await AgentHost.StartAsync(Options("node-a", CaFor("node-a"), policies, "decisions-frontend.log", [frontend], registry,
        [
            new OutboundListener(any, frontend, "backend.demo", 80),
            new OutboundListener(any, frontend, "backend.demo", 9000),
            new OutboundListener(any, frontend, "spoofed.demo", 80),
            new OutboundListener(any, frontend, "backend.demo", 9100),
        ]), FrontendLogs.Configure);

        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await BackendAgent.WaitReadyAsync(ready.Token);
        await FrontendAgent.WaitReadyAsync(ready.Token);
    }

    public static string Policies(int httpPort, int tcpPort, int countingPort) => $"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: frontend-reads-api
          namespace: demo
        spec:
          selector:
            matchLabels:
              app: backend
          rules:
          - from:
            - source:
                principals: ["cluster.local/ns/demo/sa/frontend"]
            to:
            - operation:
                methods: ["GET", "POST"]
                paths: ["/api/*", "/echo", "/upload"]
          - from:
            - source:
                principals: ["cluster.local/ns/demo/sa/frontend"]
            to:
            - operation:
                ports: ["{tcpPort}", "{countingPort}"]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: deny-admin-api
          namespace: demo
        spec:
          action: DENY
          rules:
          # Scoped to the HTTP port: on a TCP port Istio drops the paths of a DENY rule, which would deny everything there.
          - to:
            - operation:
                ports: ["{httpPort}"]
                paths: ["/api/admin*"]
        """;

    private AgentOptions Options(string node, CaEndpointOptions ca, string policies, string decisionLog, IReadOnlyList<LocalWorkload> workloads, ServiceRegistry registry, IReadOnlyList<OutboundListener> outbound) => new()
    {
        Node = node,
        TrustDomain = TestCa.TrustDomain,
        Ca = ca,
        PoliciesDir = policies,
        DecisionLogPath = Path.Combine(Dir, decisionLog),
        Registry = registry,
        InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
        Workloads = workloads,
        Outbound = outbound,
        // Short, so that the test of a peer that never answers stays quick; loopback answers take milliseconds.
        StreamOpenTimeout = TimeSpan.FromSeconds(3),
    };

    internal static LocalWorkload Workload(string name, SpiffeId id, params WorkloadPort[] ports) => new()
    {
        Name = name,
        Namespace = id.Namespace!,
        ServiceAccount = id.ServiceAccount!,
        Labels = new Dictionary<string, string> { ["app"] = name },
        Address = IPAddress.Loopback,
        Ports = ports,
        Identity = id,
    };

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The backend agent's decision records (not the chain's event lines), after everything logged so far is on disk.</summary>
    public async Task<IReadOnlyList<System.Text.Json.JsonElement>> DecisionsAsync()
    {
        await BackendAgent.FlushDecisionLogAsync();
        return File.ReadAllLines(DecisionLogPath).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone())
            .Where(r => !r.TryGetProperty("event", out _)).ToList();
    }

    public async Task DisposeAsync()
    {
        await FrontendAgent.DisposeAsync();
        await BackendAgent.DisposeAsync();
        await Backend.DisposeAsync();
        await Counting.DisposeAsync();
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh on loopback";
}
