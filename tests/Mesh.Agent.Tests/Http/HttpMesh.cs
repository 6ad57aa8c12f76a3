using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Http;

/// <summary>
/// Two agents on loopback in front of <see cref="ProtocolBackend"/>: the frontend's agent has an outbound listener for
/// each of the backend's ports (declared http, http2 and grpc), the backend's agent serves them. No AuthorizationPolicy:
/// every request is allowed and recorded.
/// </summary>
public sealed class HttpMesh : IAsyncLifetime
{
    public static readonly SpiffeId FrontendId = TestCa.Id("demo", "frontend");
    public static readonly SpiffeId BackendId = TestCa.Id("demo", "backend");

    public TestCa Ca { get; private set; } = null!;
    public ProtocolBackend Backend { get; private set; } = null!;
    public AgentHost BackendAgent { get; private set; } = null!;
    public AgentHost FrontendAgent { get; private set; } = null!;
    public LogSink Logs { get; } = new();
    public string Dir { get; private set; } = null!;

    public string HttpUrl => $"http://127.0.0.1:{FrontendAgent.OutboundEndpoints[0].Port}";
    public string Http2Url => $"http://127.0.0.1:{FrontendAgent.OutboundEndpoints[1].Port}";
    public string GrpcUrl => $"http://127.0.0.1:{FrontendAgent.OutboundEndpoints[2].Port}";

    public async Task InitializeAsync()
    {
        Dir = Directory.CreateTempSubdirectory("mesh-http-").FullName;
        Ca = await TestCa.StartAsync(FrontendId, BackendId);
        Ca.Register("node-a", FrontendId);
        Ca.Register("node-b", BackendId);
        Backend = await ProtocolBackend.StartAsync();
        var policies = Path.Combine(Dir, "policies");
        Directory.CreateDirectory(policies);
        var backend = MeshFixture.Workload("backend", BackendId,
            new WorkloadPort(Backend.HttpPort, PortProtocol.Http), new WorkloadPort(Backend.Http2Port, PortProtocol.Http2), new WorkloadPort(Backend.GrpcPort, PortProtocol.Grpc));
        BackendAgent = await AgentHost.StartAsync(TestAgentOptions.For(Dir, Ca, "node-b", policies, [backend], ServiceRegistry.Empty, []), Logs.Configure);
        var frontend = MeshFixture.Workload("frontend", FrontendId);
        var registry = new ServiceRegistry(
        [
            new RegisteredService("backend.demo",
                [new ServicePort(80, Backend.HttpPort, PortProtocol.Http), new ServicePort(81, Backend.Http2Port, PortProtocol.Http2), new ServicePort(50051, Backend.GrpcPort, PortProtocol.Grpc)],
                [new ServiceEndpoint(IPAddress.Loopback, BackendAgent.InboundEndpoint, BackendId)]),
        ]);
        var any = new IPEndPoint(IPAddress.Loopback, 0);
        FrontendAgent = await AgentHost.StartAsync(TestAgentOptions.For(Dir, Ca, "node-a", policies, [frontend], registry,
        [
            new OutboundListener(any, frontend, "backend.demo", 80),
            new OutboundListener(any, frontend, "backend.demo", 81),
            new OutboundListener(any, frontend, "backend.demo", 50051),
        ]), Logs.Configure);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await BackendAgent.WaitReadyAsync(ready.Token);
        await FrontendAgent.WaitReadyAsync(ready.Token);
    }

    public async Task DisposeAsync()
    {
        await FrontendAgent.DisposeAsync();
        await BackendAgent.DisposeAsync();
        await Backend.DisposeAsync();
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
