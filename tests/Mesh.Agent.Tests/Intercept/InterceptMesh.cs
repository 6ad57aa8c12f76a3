using System.Net;
using System.Text.Json;
using Mesh.Agent.Config;
using Mesh.Agent.Intercept;
using Mesh.Agent.Redirect;
using Mesh.Agent.Tests.Intercept.Support;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Intercept;

/// <summary>
/// Two node agents over a <see cref="MeshTopology"/>, set up as a cluster would run them: a CA that grants node-1 the
/// identities of pods A and B and node-2 that of pod C; the redirect rules installed in each pod's namespace by the
/// same installer `mesh redirect install` uses; each agent serving its node's pods from a pods file, inside their
/// namespaces. The registry names each pod's tunnel port on the pod's own address. Pod B is left out of node-1's pods
/// file unless asked for, so a test can add it at runtime.
/// </summary>
internal sealed class InterceptMesh : IAsyncDisposable
{
    public const int HttpPort = 8080;
    public const int TcpPort = 9000;
    public const string Body = "hello from pod-c\n";

    /// <summary>web.demo's virtual address: in 198.18.0.0/15, assigned to no interface.</summary>
    public static readonly IPAddress ServiceVip = IPAddress.Parse("198.18.100.10");

    public static readonly SpiffeId IdA = TestCa.Id("demo", "a");
    public static readonly SpiffeId IdB = TestCa.Id("demo", "b");
    public static readonly SpiffeId IdC = TestCa.Id("demo", "c");

    private readonly Dictionary<string, AgentOptions> _options = [];
    private bool _configMapLayout;
    private int _version;

    private InterceptMesh(MeshTopology topology, string dir, TestCa ca)
    {
        Topology = topology;
        Dir = dir;
        Ca = ca;
    }

    public MeshTopology Topology { get; }
    public string Dir { get; }
    public TestCa Ca { get; }
    public LogSink Logs { get; } = new();
    public AgentHost Node1 { get; private set; } = null!;
    public AgentHost Node2 { get; private set; } = null!;
    public NetnsHttpServer ServerC { get; private set; } = null!;
    public NetnsEchoServer EchoC { get; private set; } = null!;
    public string PoliciesDir => Path.Combine(Dir, "policies");

    /// <summary>Each pod's <see cref="SaveNatAsync"/> taken just before the redirect rules were installed.</summary>
    public Dictionary<string, string> NatBeforeInstall { get; } = [];

    /// <summary>iptables-save and ip6tables-save of the nat table inside <paramref name="pod"/>, without their timestamp comments.</summary>
    public async Task<string> SaveNatAsync(TopologyNetns pod)
    {
        var text = new System.Text.StringBuilder();
        foreach (var save in new[] { "iptables-save", "ip6tables-save" })
        {
            var result = await Topology.ExecAsync(pod, save, "-t", "nat");
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{save} in {pod.Name}: {result}");
            }
            text.AppendJoin('\n', result.StdOut.Split('\n').Where(l => !l.StartsWith('#'))).Append('\n');
        }
        return text.ToString();
    }

    public string Url(string path = "/") => $"http://{Topology.PodC.Address}:{HttpPort}{path}";

    /// <param name="policies">Policy files (name -> YAML) present from the start.</param>
    /// <param name="grantB">Whether the CA lets node-1 have pod B's identity (false: B can never be served).</param>
    /// <param name="configMapLayout">
    /// Keep the pods files as a mounted Kubernetes ConfigMap does: <c>pods.yaml -> ..data/pods.yaml</c>, <c>..data -> ..vN</c>,
    /// each update a new <c>..vN</c> directory and an atomic swap of the <c>..data</c> link. Otherwise each update is a
    /// rename over the file, as a CNI plugin would write it.
    /// </param>
    public static async Task<InterceptMesh> StartAsync(MeshTopology topology, bool withPodB = false, bool grantB = true,
        IReadOnlyDictionary<string, string>? policies = null, OutsideMeshMode outsideMesh = OutsideMeshMode.Passthrough, bool configMapLayout = false)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-intercept-").FullName;
        var ca = await TestCa.StartAsync(TimeSpan.FromHours(1));
        var mesh = new InterceptMesh(topology, dir, ca) { _configMapLayout = configMapLayout };
        try
        {
            ca.Register("node-1", grantB ? [IdA, IdB] : [IdA]);
            ca.Register("node-2", IdC);
            Directory.CreateDirectory(mesh.PoliciesDir);
            foreach (var (name, yaml) in policies ?? new Dictionary<string, string>())
            {
                File.WriteAllText(Path.Combine(mesh.PoliciesDir, name), yaml);
            }
            mesh.ServerC = NetnsHttpServer.Start(topology.PodC, HttpPort, Body);
            mesh.EchoC = NetnsEchoServer.Start(topology.PodC, TcpPort);
            foreach (var pod in new[] { topology.PodA, topology.PodB, topology.PodC })
            {
                mesh.NatBeforeInstall[pod.Name] = await mesh.SaveNatAsync(pod);
                await new RedirectInstaller(new CommandRunner(pod.Name), "").InstallAsync(new RedirectOptions(), CancellationToken.None);
            }
            var registry = new ServiceRegistry(
            [
                Service("c.demo", topology.PodC, IdC),
                Service("b.demo", topology.PodB, IdB),
                Service("a.demo", topology.PodA, IdA),
                // Reached at a virtual address nobody owns (a ClusterIP): its balancer spreads over C and B.
                new RegisteredService("web.demo", [new ServicePort(HttpPort, HttpPort, PortProtocol.Http)],
                    [
                        new ServiceEndpoint(topology.PodC.Address!, new IPEndPoint(topology.PodC.Address!, InterceptOptions.DefaultTunnelPort), IdC),
                        new ServiceEndpoint(topology.PodB.Address!, new IPEndPoint(topology.PodB.Address!, InterceptOptions.DefaultTunnelPort), IdB),
                    ]) { Addresses = [ServiceVip] },
            ]);
            mesh.WritePods("node-1", withPodB ? [("a", topology.PodA), ("b", topology.PodB)] : [("a", topology.PodA)]);
            mesh.WritePods("node-2", [("c", topology.PodC)]);
            mesh._options["node-1"] = mesh.Options("node-1", registry, outsideMesh);
            mesh._options["node-2"] = mesh.Options("node-2", registry, outsideMesh);
            mesh.Node1 = await AgentHost.StartAsync(mesh._options["node-1"], mesh.Logs.Configure);
            mesh.Node2 = await AgentHost.StartAsync(mesh._options["node-2"], mesh.Logs.Configure);
            await WaitServedAsync(mesh.Node1, "demo/a");
            await WaitServedAsync(mesh.Node2, "demo/c");
            if (withPodB && grantB)
            {
                await WaitServedAsync(mesh.Node1, "demo/b");
            }
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Rewrites a node's pods file (atomically, as a CNI plugin would) with these pods.</summary>
    public void WritePods(string node, IEnumerable<(string Name, TopologyNetns Netns)> pods)
    {
        var lines = pods.Select(p => $$"""
              - name: {{p.Name}}
                namespace: demo
                serviceAccount: {{p.Name}}
                netns: {{p.Netns.Path}}
                address: {{p.Netns.Address}}
                labels: { app: {{p.Name}} }
                ports: [{ port: {{HttpPort}}, protocol: http }, { port: {{TcpPort}}, protocol: tcp }]
            """);
        var text = "pods:\n" + string.Join("\n", lines) + "\n";
        var path = PodsFile(node);
        if (!_configMapLayout)
        {
            File.WriteAllText(path + ".tmp", text);
            File.Move(path + ".tmp", path, overwrite: true);
            return;
        }
        var mount = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(mount);
        var version = $"..v{Interlocked.Increment(ref _version)}";
        Directory.CreateDirectory(Path.Combine(mount, version));
        File.WriteAllText(Path.Combine(mount, version, "pods.yaml"), text);
        var data = Path.Combine(mount, "..data");
        File.CreateSymbolicLink(data + "_tmp", version);
        // rename(2) over the old link, as the kubelet's atomic writer does; File.Move would refuse a directory link.
        var moved = ExternalTool.RunAsync("mv", ["-T", data + "_tmp", data]).GetAwaiter().GetResult();
        if (moved.ExitCode != 0)
        {
            throw new IOException("swapping ..data failed: " + moved);
        }
        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            File.CreateSymbolicLink(path, Path.Combine("..data", "pods.yaml"));
        }
    }

    public string DecisionLog(string node) => Path.Combine(Dir, $"decisions-{node}.log");

    /// <summary>The decision records of a node (flushed first) that carry a result, oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> DecisionsAsync(string node)
    {
        await (node == "node-1" ? Node1 : Node2).FlushDecisionLogAsync();
        return File.ReadAllLines(DecisionLog(node)).Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.TryGet("result", out _)).ToList();
    }

    /// <summary>Stops node-2's agent and starts it again with the same config and state (no new bootstrap token).</summary>
    public async Task RestartNode2Async(Func<Task>? whileStopped = null)
    {
        await Node2.DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }
        Node2 = await AgentHost.StartAsync(_options["node-2"], Logs.Configure);
    }

    public static async Task WaitServedAsync(AgentHost agent, string pod)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!agent.Pods!.Served.Contains(pod))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Writes a policy file and waits until the agent has loaded it.</summary>
    public async Task WritePolicyAsync(AgentHost agent, string name, string yaml)
    {
        var before = agent.PolicyGeneration;
        File.WriteAllText(Path.Combine(PoliciesDir, name), yaml);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (agent.PolicyGeneration == before)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private string PodsFile(string node) => _configMapLayout ? Path.Combine(Dir, $"pods-{node}", "pods.yaml") : Path.Combine(Dir, $"pods-{node}.yaml");

    private static RegisteredService Service(string name, TopologyNetns pod, SpiffeId id) => new(name,
        [new ServicePort(HttpPort, HttpPort, PortProtocol.Http), new ServicePort(TcpPort, TcpPort, PortProtocol.Tcp)],
        [new ServiceEndpoint(pod.Address!, new IPEndPoint(pod.Address!, InterceptOptions.DefaultTunnelPort), id)]);

    private AgentOptions Options(string node, ServiceRegistry registry, OutsideMeshMode outsideMesh) => new()
    {
        Node = node,
        TrustDomain = TestCa.TrustDomain,
        Ca = new CaEndpointOptions(Ca.Server.Address, Ca.Server.RootCertPath, Ca.JoinToken(node)) { StateDir = Path.Combine(Dir, node + "-state") },
        PoliciesDir = PoliciesDir,
        DecisionLogPath = DecisionLog(node),
        Registry = registry,
        InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
        Workloads = [],
        Intercept = new InterceptOptions { PodsFile = PodsFile(node), OutsideMesh = outsideMesh },
    };

    public async ValueTask DisposeAsync()
    {
        if (Node1 is not null)
        {
            await Node1.DisposeAsync();
        }
        if (Node2 is not null)
        {
            await Node2.DisposeAsync();
        }
        if (ServerC is not null)
        {
            await ServerC.DisposeAsync();
        }
        if (EchoC is not null)
        {
            await EchoC.DisposeAsync();
        }
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
