using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// Two agents bootstrapped the real way (join token -> node certificate -> workload SVIDs) against a CA the test can
/// stop and restart: node-a with an outbound HTTP listener for backend.demo:80, node-b in front of a plain HTTP backend.
/// </summary>
public sealed class MeshPair : IAsyncDisposable
{
    public static readonly SpiffeId FrontendId = TestCa.Id("demo", "frontend");
    public static readonly SpiffeId BackendId = TestCa.Id("demo", "backend");

    private MeshPair(string dir, TestCa ca, TestBackend backend, AgentHost backendAgent, AgentHost frontendAgent, LogSink logs)
    {
        Dir = dir;
        Ca = ca;
        Backend = backend;
        BackendAgent = backendAgent;
        FrontendAgent = frontendAgent;
        Logs = logs;
    }

    public string Dir { get; }
    public TestCa Ca { get; }
    public TestBackend Backend { get; }
    public AgentHost BackendAgent { get; }
    public AgentHost FrontendAgent { get; }
    public LogSink Logs { get; }

    public Uri ItemsUrl => new($"http://127.0.0.1:{FrontendAgent.OutboundEndpoints[0].Port}/api/items");

    /// <summary>The frontend's outbound listener for backend.demo:9000 (declared tcp).</summary>
    public IPEndPoint TcpOutbound => FrontendAgent.OutboundEndpoints[1];

    public string PoliciesDir => Path.Combine(Dir, "policies");

    /// <summary>Workload certificates installed by either agent so far (their log lines), to see renewals happen.</summary>
    public int InstalledCertificates => Logs.Lines.Count(l => l.Contains("[100] Certificate for spiffe://", StringComparison.Ordinal));

    public string BackendDecisionLog => Path.Combine(Dir, "decisions-node-b.log");

    /// <param name="configureCa">Further CA options (rotation timings, node TTL).</param>
    /// <param name="bundleRefresh">How often the agents poll the CA's trust bundle.</param>
    public static async Task<MeshPair> StartAsync(TimeSpan certificateTtl, Func<Mesh.Ca.CaOptions, Mesh.Ca.CaOptions>? configureCa = null, TimeSpan? bundleRefresh = null)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-pair-").FullName;
        var ca = await TestCa.StartAsync(certificateTtl, configureCa);
        ca.Register("node-a", FrontendId);
        ca.Register("node-b", BackendId);
        var backend = await TestBackend.StartAsync();
        var policies = Path.Combine(dir, "policies");
        Directory.CreateDirectory(policies);
        File.WriteAllText(Path.Combine(policies, "backend.yaml"), MeshFixture.Policies(backend.HttpPort, backend.TcpPort, 1));
        var logs = new LogSink();
        var backendWorkload = MeshFixture.Workload("backend", BackendId, new WorkloadPort(backend.HttpPort, PortProtocol.Http), new WorkloadPort(backend.TcpPort, PortProtocol.Tcp));
        var backendAgent = await AgentHost.StartAsync(Options(dir, ca, "node-b", policies, [backendWorkload], ServiceRegistry.Empty, [], bundleRefresh), logs.Configure);
        var frontend = MeshFixture.Workload("frontend", FrontendId);
        var registry = new ServiceRegistry(
        [
            new RegisteredService("backend.demo", [new ServicePort(80, backend.HttpPort, PortProtocol.Http), new ServicePort(9000, backend.TcpPort, PortProtocol.Tcp)],
                [new ServiceEndpoint(IPAddress.Loopback, backendAgent.InboundEndpoint, BackendId)]),
        ]);
        var frontendAgent = await AgentHost.StartAsync(Options(dir, ca, "node-a", policies, [frontend], registry,
            [
                new OutboundListener(new IPEndPoint(IPAddress.Loopback, 0), frontend, "backend.demo", 80),
                new OutboundListener(new IPEndPoint(IPAddress.Loopback, 0), frontend, "backend.demo", 9000),
            ], bundleRefresh), logs.Configure);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await backendAgent.WaitReadyAsync(ready.Token);
        await frontendAgent.WaitReadyAsync(ready.Token);
        return new MeshPair(dir, ca, backend, backendAgent, frontendAgent, logs);
    }

    private static AgentOptions Options(string dir, TestCa ca, string node, string policies, IReadOnlyList<LocalWorkload> workloads,
        ServiceRegistry registry, IReadOnlyList<OutboundListener> outbound, TimeSpan? bundleRefresh) =>
        TestAgentOptions.For(dir, ca, node, policies, workloads, registry, outbound) with { BundleRefresh = bundleRefresh ?? TimeSpan.FromSeconds(60) };

    public async ValueTask DisposeAsync()
    {
        await FrontendAgent.DisposeAsync();
        await BackendAgent.DisposeAsync();
        await Backend.DisposeAsync();
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
