using System.Net;
using Mesh.Agent.Config;
using Mesh.Agent.Intercept;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Config;

/// <summary>The agent config's intercept section and the pods file it names, read from real files: defaults, every field, and each error.</summary>
public sealed class InterceptConfigTests : IDisposable
{
    private const string Base = """
        node: node-1
        trustDomain: cluster.local
        ca:
          address: https://127.0.0.1:8443
          rootCert: ca/root.pem
          tokenFile: node-1.token
        policies: ./policies
        decisionLog: ./decisions.log
        inbound:
          listen: 127.0.0.1:0
        workloads: []

        """;

    private const string Pods = """
        pods:
          - name: a
            namespace: demo
            serviceAccount: sa-a
            netns: /var/run/netns/pod-a
            address: 198.18.1.2
            labels: { app: a }
            ports: [{ port: 8080, protocol: http }, { port: 9000, protocol: tcp }]
          - { name: b, namespace: demo, serviceAccount: sa-b, netns: /proc/4242/ns/net, address: 198.18.1.6 }

        """;

    private static readonly TrustDomain Td = TrustDomain.Parse("cluster.local");
    private readonly ConfigDir _dir = new();

    public InterceptConfigTests()
    {
        _dir.Write("node-1.token", "t0ken\n");
        Directory.CreateDirectory(_dir.File("policies"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_are_Istios_ports_the_agents_mark_and_passthrough_with_the_pods_file_resolved_next_to_the_config()
    {
        var path = _dir.Write("agent.yaml", Base + "intercept:\n  pods: pods/pods.yaml\n");

        var options = AgentConfigLoader.Load(path).Intercept!;

        Assert.Equal(_dir.File("pods/pods.yaml"), options.PodsFile);
        Assert.Equal((15001, 15006, 15008), (options.OutboundPort, options.InboundPort, options.TunnelPort));
        Assert.Equal(0x539u, options.Mark);
        Assert.Equal(OutsideMeshMode.Passthrough, options.OutsideMesh);
    }

    [Fact]
    public void Every_field_is_read()
    {
        var path = _dir.Write("agent.yaml", Base + """
            intercept:
              pods: pods.yaml
              outboundPort: 16001
              inboundPort: 16006
              tunnelPort: 16008
              mark: 0x1234
              outsideMesh: refuse

            """);

        var options = AgentConfigLoader.Load(path).Intercept!;

        Assert.Equal((16001, 16006, 16008, 0x1234u, OutsideMeshMode.Refuse), (options.OutboundPort, options.InboundPort, options.TunnelPort, options.Mark, options.OutsideMesh));
    }

    [Fact]
    public void Every_intercept_error_is_reported_at_once()
    {
        var path = _dir.Write("agent.yaml", Base + """
            intercept:
              outboundPort: 15006
              tunnelPort: 70000
              mark: banana
              outsideMesh: sometimes

            """);

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("intercept.pods: required", e.Message, StringComparison.Ordinal);
        Assert.Contains("intercept.tunnelPort: 70000 is not a port number", e.Message, StringComparison.Ordinal);
        Assert.Contains("intercept: outboundPort (15006), inboundPort (15006) and tunnelPort (70000) must differ", e.Message, StringComparison.Ordinal);
        Assert.Contains("intercept.mark: 'banana' must be a non-zero number", e.Message, StringComparison.Ordinal);
        Assert.Contains("intercept.outsideMesh: 'sometimes' must be passthrough", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_netns_in_the_agent_configs_workloads_is_refused_with_where_it_belongs()
    {
        var path = _dir.Write("agent.yaml", Base.Replace("workloads: []", """
            workloads:
              - { name: a, namespace: demo, serviceAccount: a, address: 127.0.0.1, netns: /var/run/netns/x }
            """, StringComparison.Ordinal));

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("workloads[0].netns: pods served inside their network namespace are listed in the intercept.pods file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_file_with_more_than_the_token_is_refused()
    {
        _dir.Write("node-1.token", "token: abc\nnode: node-1\n");
        var path = _dir.Write("agent.yaml", Base);

        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("ca.tokenFile: node-1.token must hold only the token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pods_file_gives_each_pod_its_identity_netns_address_labels_and_ports()
    {
        var pods = PodsLoader.Load(_dir.Write("pods.yaml", Pods), Td);

        Assert.Equal(["demo/a", "demo/b"], pods.Select(p => p.Key));
        var a = pods[0];
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/sa-a"), a.Identity);
        Assert.Equal("/var/run/netns/pod-a", a.Netns);
        Assert.Equal(IPAddress.Parse("198.18.1.2"), a.Address);
        Assert.Equal("a", a.Labels["app"]);
        Assert.Equal([new WorkloadPort(8080, PortProtocol.Http), new WorkloadPort(9000, PortProtocol.Tcp)], a.Ports);
        Assert.Equal("/proc/4242/ns/net", pods[1].Netns);
        Assert.Empty(pods[1].Ports);
    }

    [Fact]
    public void A_pods_file_with_errors_is_rejected_whole_naming_every_problem()
    {
        var path = _dir.Write("pods.yaml", """
            pods:
              - { name: a, namespace: demo, serviceAccount: a, address: 198.18.1.2 }
              - { name: b, namespace: demo, serviceAccount: b, netns: /n/b, address: not-an-ip }
              - { name: c, namespace: demo, serviceAccount: c, netns: /n/c, address: 198.18.1.9 }
              - { name: d, namespace: demo, serviceAccount: d, netns: /n/c, address: 198.18.1.9 }
              - { name: e, namespace: demo, serviceAccount: e, netns: /n/e, address: 198.18.1.10, attest: { uid: "0" } }

            """);

        var e = Assert.Throws<ConfigException>(() => PodsLoader.Load(path, Td));

        Assert.StartsWith($"{path}: invalid pods file:", e.Message, StringComparison.Ordinal);
        Assert.Contains("pods[0].netns: required", e.Message, StringComparison.Ordinal);
        Assert.Contains("pods[1].address: 'not-an-ip' is not an IP address", e.Message, StringComparison.Ordinal);
        Assert.Contains("pods: netns '/n/c' is listed for demo/c and demo/d", e.Message, StringComparison.Ordinal);
        Assert.Contains("pods: address 198.18.1.9 is listed for demo/c and demo/d", e.Message, StringComparison.Ordinal);
        Assert.Contains("pods[4].attest: the Workload API serves workloads of the agent config only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_in_the_pods_file_is_an_error_with_its_position()
    {
        var path = _dir.Write("pods.yaml", "pods:\n  - { name: a, namespace: demo, serviceAccount: a, netns: /n/a, address: 198.18.1.2, netnz: x }\n");

        var e = Assert.Throws<ConfigException>(() => PodsLoader.Load(path, Td));

        Assert.Contains("netnz", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2:", e.Message, StringComparison.Ordinal);
    }
}
