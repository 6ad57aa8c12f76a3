using System.Net;
using System.Net.Sockets;
using Mesh.Ca;

namespace Mesh.Cli.Demo;

/// <summary>The demo's files in a fresh temporary directory: CA config and tokens, agent configs, registry, policies.</summary>
internal sealed class DemoWorkspace : IDisposable
{
    public const string TrustDomain = "cluster.local";

    private DemoWorkspace(string dir, int[] ports)
    {
        Dir = dir;
        CaPort = ports[0];
        FrontendInbound = ports[1];
        FrontendAdmin = ports[2];
        FrontendOutbound = ports[3];
        BackendInbound = ports[4];
        BackendAdmin = ports[5];
        BackendPort = ports[6];
    }

    public string Dir { get; }
    public int CaPort { get; }
    public int FrontendInbound { get; }
    public int FrontendAdmin { get; }
    public int FrontendOutbound { get; }
    public int BackendInbound { get; }
    public int BackendAdmin { get; }
    public int BackendPort { get; }
    public bool Keep { get; set; }

    public string CaConfig => Path.Combine(Dir, "ca.yaml");
    public string CaRoot => Path.Combine(Dir, "ca-state", "trust-bundle.pem");
    public string FrontendConfig => Path.Combine(Dir, "agent-frontend.yaml");
    public string BackendConfig => Path.Combine(Dir, "agent-backend.yaml");
    public string BackendDecisionLog => Path.Combine(Dir, "decisions-backend.log");

    public static DemoWorkspace Create()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-demo-").FullName;
        return new DemoWorkspace(dir, FreeLoopbackPorts(7));
    }

    /// <summary>Writes every file; <paramref name="caRootPath"/> is where the CA will write its trust bundle.</summary>
    public void WriteFiles(string caRootPath)
    {
        // One-time join tokens, as `mesh ca token --node` makes them: the CA keeps only their hashes.
        var caState = Path.Combine(Dir, "ca-state");
        Write("node-frontend.token", JoinTokens.Create(caState, "node-frontend", TimeSpan.FromHours(1)));
        Write("node-backend.token", JoinTokens.Create(caState, "node-backend", TimeSpan.FromHours(1)));
        Write("ca.yaml", $"""
            trustDomain: {TrustDomain}
            stateDir: ./ca-state
            listen: 127.0.0.1:{CaPort}
            defaultTtl: 1h
            registry: ./workloads.yaml
            """);
        Write("workloads.yaml", """
            workloads:
              - { node: node-frontend, namespace: demo, serviceAccount: frontend }
              - { node: node-backend, namespace: demo, serviceAccount: backend }
            """);
        Write("registry.yaml", $"""
            services:
              - name: backend.demo
                ports:
                  - port: 80
                    targetPort: {BackendPort}
                    protocol: http
                endpoints:
                  - address: 127.0.0.1
                    agent: 127.0.0.1:{BackendInbound}
                    identity: spiffe://{TrustDomain}/ns/demo/sa/backend
            """);
        Directory.CreateDirectory(Path.Combine(Dir, "policies"));
        using (var policy = typeof(DemoWorkspace).Assembly.GetManifestResourceStream("demo/backend-authz.yaml")!)
        using (var file = File.Create(Path.Combine(Dir, "policies", "backend-authz.yaml")))
        {
            policy.CopyTo(file);
        }
        Write("agent-frontend.yaml", AgentConfig("node-frontend", caRootPath, FrontendInbound, FrontendAdmin, "decisions-frontend.log", """
              - name: frontend
                namespace: demo
                serviceAccount: frontend
                labels: { app: frontend }
                address: 127.0.0.1
            """, $"""
            outbound:
              - listen: 127.0.0.1:{FrontendOutbound}
                from: demo/frontend
                to: backend.demo:80
            """));
        Write("agent-backend.yaml", AgentConfig("node-backend", caRootPath, BackendInbound, BackendAdmin, "decisions-backend.log", $$"""
              - name: backend
                namespace: demo
                serviceAccount: backend
                labels: { app: backend }
                address: 127.0.0.1
                ports: [{ port: {{BackendPort}}, protocol: http }]
            """, ""));
    }

    private string AgentConfig(string node, string caRoot, int inbound, int admin, string decisionLog, string workloads, string outbound) => $"""
        node: {node}
        trustDomain: {TrustDomain}
        ca:
          address: https://127.0.0.1:{CaPort}
          rootCert: {caRoot}
          tokenFile: {node}.token
        policies: ./policies
        decisionLog: ./{decisionLog}
        registry: ./registry.yaml
        inbound:
          listen: 127.0.0.1:{inbound}
        admin:
          listen: 127.0.0.1:{admin}
        workloads:
        {workloads}
        {outbound}
        """;

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(Dir, name), content + "\n");

    /// <summary>Free loopback ports, all held at once so that none repeats, then released for the demo's processes.</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public void Dispose()
    {
        if (!Keep)
        {
            Directory.Delete(Dir, recursive: true);
        }
    }
}
