using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Config;
using Mesh.Agent.Tests.Support;
using static Mesh.Agent.Tests.Discovery.Kubernetes.RecordedApi;

namespace Mesh.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// The agent's config turns on Kubernetes discovery, and a started agent knows the services the API reports besides
/// its registry file. No cluster runs here: the API is <see cref="FakeKubeApiServer"/> on loopback, serving recorded
/// list responses.
/// </summary>
public sealed class AgentKubernetesDiscoveryTests
{
    [Fact]
    public void The_config_section_is_read_and_checked()
    {
        using var dir = new ConfigDir();
        dir.Write("node-1.token", "t0ken\n");
        dir.Write("registry.yaml", "services: []\n");
        Directory.CreateDirectory(dir.File("policies"));
        const string Base = """
            node: node-1
            trustDomain: cluster.local
            ca: { address: "https://127.0.0.1:8443", rootCert: root.pem, tokenFile: node-1.token }
            policies: ./policies
            decisionLog: ./decisions.log
            inbound: { listen: "127.0.0.1:0" }
            workloads: []

            """;

        var inCluster = AgentConfigLoader.Load(dir.Write("a.yaml", Base + "registry: registry.yaml\ndiscovery: { kubernetes: {} }\n"));
        var bad = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(dir.Write("b.yaml", Base + "discovery: { kubernetes: { apiServer: \"http://10.0.0.1\", agentPort: 70000 } }\n")));

        Assert.Equal(new KubernetesDiscoveryOptions(null, 15008), inCluster.Kubernetes);
        Assert.Contains("discovery.kubernetes.apiServer: 'http://10.0.0.1' must be an https:// URL", bad.Message, StringComparison.Ordinal);
        Assert.Contains("discovery.kubernetes.agentPort: 70000 is not a port number", bad.Message, StringComparison.Ordinal);
        Assert.Contains("discovery.kubernetes: needs registry", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_started_agent_knows_the_services_of_its_file_and_of_the_API()
    {
        await using var api = await FakeKubeApiServer.StartAsync();
        api.SetList(ServicesPath, Services);
        api.SetList(SlicesPath, Slices);
        api.SetList(PodsPath, Pods);
        var dir = Directory.CreateTempSubdirectory("mesh-kube-").FullName;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromHours(1));
        try
        {
            var registry = Path.Combine(dir, "registry.yaml");
            File.WriteAllText(registry, """
                services:
                  - name: local.demo
                    ports: [{ port: 80, protocol: http }]
                    endpoints: [{ address: 127.0.0.1, agent: "127.0.0.1:15008", identity: spiffe://cluster.local/ns/demo/sa/local }]

                """);
            Directory.CreateDirectory(Path.Combine(dir, "policies"));
            var options = new AgentOptions
            {
                Node = "node-1",
                TrustDomain = TestCa.TrustDomain,
                Ca = new CaEndpointOptions(ca.Server.Address, ca.Server.RootCertPath, ca.JoinToken("node-1")) { StateDir = Path.Combine(dir, "state") },
                PoliciesDir = Path.Combine(dir, "policies"),
                DecisionLogPath = Path.Combine(dir, "decisions.log"),
                Registry = RegistryLoader.Load(registry),
                RegistryPath = registry,
                Kubernetes = new KubernetesDiscoveryOptions(api.Address, 15008),
                InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
                Workloads = [],
            };
            await using var agent = await AgentHost.StartAsync(options, new LogSink().Configure);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (agent.CurrentRegistry.Find("backend.demo") is null)
            {
                await Task.Delay(50, timeout.Token);
            }

            Assert.NotNull(agent.CurrentRegistry.Find("local.demo"));
            var backend = agent.CurrentRegistry.Find("backend.demo")!;
            Assert.Contains(backend.Endpoints, e => e.Agent.Equals(IPEndPoint.Parse("10.0.1.5:15008")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
