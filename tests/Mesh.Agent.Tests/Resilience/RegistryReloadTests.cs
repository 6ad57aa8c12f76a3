using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Resilience;

/// <summary>
/// An agent whose config names a registry file follows edits of it without a restart: the outbound listener's service
/// moves from an endpoint nobody serves to the real one, and a bad edit leaves the last good registry in force.
/// </summary>
public sealed class RegistryReloadTests : IAsyncLifetime
{
    private readonly LogSink _logs = new();
    private string _dir = null!;
    private TestCa _ca = null!;
    private TestBackend _backend = null!;
    private AgentHost _backendAgent = null!;
    private AgentHost _frontendAgent = null!;
    private string _registry = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("mesh-registry-").FullName;
        _ca = await TestCa.StartAsync(MeshFixture.FrontendId, MeshFixture.BackendId);
        _ca.Register("node-a", MeshFixture.FrontendId);
        _ca.Register("node-b", MeshFixture.BackendId);
        _backend = await TestBackend.StartAsync();
        Directory.CreateDirectory(Path.Combine(_dir, "policies"));
        _backendAgent = await AgentHost.StartAsync(Options("node-b", [MeshFixture.Workload("backend", MeshFixture.BackendId, new WorkloadPort(_backend.HttpPort, PortProtocol.Http))], ServiceRegistry.Empty, null, []), _logs.Configure);
        _registry = Path.Combine(_dir, "registry.yaml");
        // At first the registry names an agent port nobody listens on.
        WriteRegistry(MeshFixture.FreePort());
        var frontend = MeshFixture.Workload("frontend", MeshFixture.FrontendId);
        _frontendAgent = await AgentHost.StartAsync(Options("node-a", [frontend], RegistryLoader.Load(_registry), _registry,
            [new OutboundListener(new IPEndPoint(IPAddress.Loopback, 0), frontend, "backend.demo", 80)]), _logs.Configure);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _backendAgent.WaitReadyAsync(ready.Token);
        await _frontendAgent.WaitReadyAsync(ready.Token);
    }

    [Fact]
    public async Task An_edit_of_the_registry_file_moves_traffic_without_a_restart_and_a_bad_edit_changes_nothing()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = $"http://127.0.0.1:{_frontendAgent.OutboundEndpoints[0].Port}/api/items";

        var before = await client.GetAsync(url);
        WriteRegistry(_backendAgent.InboundEndpoint.Port);
        var after = await EventuallyOkAsync(client, url);
        File.WriteAllText(_registry, "services:\n  - name: backend.demo\n    ports: [{ port: 80, protocol: carrier-pigeon }]\n");
        await Task.Delay(500);
        var afterBadEdit = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadGateway, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterBadEdit.StatusCode);
        Assert.Contains(_logs.Lines, l => l.Contains("carrier-pigeon", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> EventuallyOkAsync(HttpClient client, string url)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var response = await client.GetAsync(url, timeout.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }
            await Task.Delay(100, timeout.Token);
        }
    }

    private void WriteRegistry(int agentPort)
    {
        var text = $"""
            services:
              - name: backend.demo
                ports: [{"{"} port: 80, targetPort: {_backend.HttpPort}, protocol: http {"}"}]
                endpoints:
                  - {"{"} address: 127.0.0.1, agent: "127.0.0.1:{agentPort}", identity: {MeshFixture.BackendId} {"}"}

            """;
        File.WriteAllText(_registry + ".tmp", text);
        File.Move(_registry + ".tmp", _registry, overwrite: true);
    }

    private AgentOptions Options(string node, IReadOnlyList<LocalWorkload> workloads, ServiceRegistry registry, string? registryPath, IReadOnlyList<OutboundListener> outbound) =>
        TestAgentOptions.For(_dir, _ca, node, Path.Combine(_dir, "policies"), workloads, registry, outbound) with { RegistryPath = registryPath };

    public async Task DisposeAsync()
    {
        await _frontendAgent.DisposeAsync();
        await _backendAgent.DisposeAsync();
        await _backend.DisposeAsync();
        await _ca.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
