using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Agent.Config;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.WorkloadApi.Protocol;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>
/// A real CA whose X.509-SVIDs live 16 s (so the agent renews about every 8 s) and two agents serving the Workload
/// API on Unix sockets: <see cref="Agent"/> attests this test process (by uid) as frontend and a process in the
/// network namespace <see cref="NetnsName"/> as pod; <see cref="StrangerAgent"/> attests nobody who runs the tests.
/// </summary>
public sealed class WorkloadApiFixture : IAsyncLifetime
{
    public static readonly SpiffeId FrontendId = TestCa.Id("demo", "frontend");
    public static readonly SpiffeId PodId = TestCa.Id("demo", "pod");
    public static readonly SpiffeId StrangerId = TestCa.Id("demo", "stranger");

    public string Dir { get; } = Directory.CreateTempSubdirectory("mesh-wlapi-").FullName;
    public CaServer Ca { get; private set; } = null!;
    public AgentHost Agent { get; private set; } = null!;
    public AgentHost StrangerAgent { get; private set; } = null!;
    public LogSink Logs { get; } = new();

    /// <summary>Created and removed by the namespace tests; the agent's pod workload names it from the start.</summary>
    public string NetnsName { get; } = "mesh-test-" + Guid.NewGuid().ToString("N")[..8];

    public static uint MyUid { get; } = GetUid();

    public async Task InitializeAsync()
    {
        var registry = Path.Combine(Dir, "workloads.yaml");
        File.WriteAllText(registry, """
            workloads:
              - { node: node-wl, namespace: demo, serviceAccount: frontend }
              - { node: node-wl, namespace: demo, serviceAccount: pod }
              - { node: node-stranger, namespace: demo, serviceAccount: stranger }

            """);
        var caDir = Path.Combine(Dir, "ca");
        Ca = await CaServer.StartAsync(new CaOptions
        {
            TrustDomain = TestCa.TrustDomain,
            StateDir = caDir,
            WorkloadRegistryPath = registry,
            // Renewed at half of the lifetime from issuance, ±10%: 7-9 s after issuance.
            DefaultTtl = TimeSpan.FromSeconds(16),
        });
        Agent = await StartAgentAsync("node-wl", caDir, "agent.sock",
            Workload("frontend", FrontendId, new WorkloadAttestation((int)MyUid, null, null)),
            Workload("pod", PodId, new WorkloadAttestation(null, "/var/run/netns/" + NetnsName, null)));
        StrangerAgent = await StartAgentAsync("node-stranger", caDir, "stranger.sock",
            Workload("stranger", StrangerId, new WorkloadAttestation((int)MyUid + 4242, null, null)));
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Agent.WaitReadyAsync(ready.Token);
        }
        catch (OperationCanceledException)
        {
            // Say why: the agent's own log has the reason (CA refusal, backoff) the timeout alone hides.
            throw new TimeoutException("the Workload API agent did not get its certificates within 60 s; its log:\n"
                + string.Join("\n", Logs.Lines.TakeLast(40)));
        }
    }

    private async Task<AgentHost> StartAgentAsync(string node, string caDir, string socket, params LocalWorkload[] workloads)
    {
        var policies = Path.Combine(Dir, "policies");
        Directory.CreateDirectory(policies);
        return await AgentHost.StartAsync(new AgentOptions
        {
            Node = node,
            TrustDomain = TestCa.TrustDomain,
            Ca = new CaEndpointOptions(Ca.Address, Ca.RootCertPath, JoinTokens.Create(caDir, node, TimeSpan.FromMinutes(10))) { StateDir = Path.Combine(Dir, node + "-state") },
            PoliciesDir = policies,
            DecisionLogPath = Path.Combine(Dir, node + "-decisions.log"),
            Registry = ServiceRegistry.Empty,
            InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            Workloads = workloads,
            WorkloadApi = new WorkloadApiOptions(Path.Combine(Dir, "run", socket)),
        }, Logs.Configure);
    }

    private static LocalWorkload Workload(string name, SpiffeId id, WorkloadAttestation attest) => new()
    {
        Name = name,
        Namespace = id.Namespace!,
        ServiceAccount = id.ServiceAccount!,
        Address = IPAddress.Loopback,
        Ports = [],
        Identity = id,
        Attest = attest,
    };

    /// <summary>A standard Workload API client (generated from the same proto) on a Unix socket.</summary>
    public static (GrpcChannel Channel, SpiffeWorkloadAPI.SpiffeWorkloadAPIClient Client) Connect(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return (channel, new SpiffeWorkloadAPI.SpiffeWorkloadAPIClient(channel));
    }

    public static Metadata SecurityHeader => new() { { "workload.spiffe.io", "true" } };

    public static CallOptions Call(bool withHeader = true, int seconds = 30) =>
        new(withHeader ? SecurityHeader : [], DateTime.UtcNow.AddSeconds(seconds));

    private static uint GetUid()
    {
        // /proc/self/status: "Uid:\t<real>\t<effective>\t..."; no P/Invoke needed in the tests.
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await StrangerAgent.DisposeAsync();
        await Agent.DisposeAsync();
        await Ca.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class WorkloadApiCollection : ICollectionFixture<WorkloadApiFixture>
{
    public const string Name = "workload api";
}
