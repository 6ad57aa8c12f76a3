using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>Immutable, validated agent configuration. Runtime state lives elsewhere.</summary>
public sealed record AgentOptions
{
    public required string Node { get; init; }
    public required TrustDomain TrustDomain { get; init; }
    public required CaEndpointOptions Ca { get; init; }
    public required string PoliciesDir { get; init; }
    public string RootNamespace { get; init; } = "istio-system";

    /// <summary>The mTLS mode where no PeerAuthentication sets one: Istio's PERMISSIVE, or STRICT for a closed mesh.</summary>
    public Mesh.Policy.MtlsMode DefaultMtlsMode { get; init; } = Mesh.Policy.MtlsMode.Permissive;
    public required string DecisionLogPath { get; init; }

    /// <summary>Rotation, failure mode, HMAC key and redaction of the decision log.</summary>
    public DecisionLogSettings DecisionLog { get; init; } = new();
    public required ServiceRegistry Registry { get; init; }

    /// <summary>
    /// The registry file <see cref="Registry"/> was read from: when set, the agent watches it (and resolves the DNS
    /// services it defines) and follows every good change; null keeps <see cref="Registry"/> as given.
    /// </summary>
    public string? RegistryPath { get; init; }

    /// <summary>Services and endpoints from the Kubernetes API besides the registry file (which wins on a name conflict); null: none.</summary>
    public KubernetesDiscoveryOptions? Kubernetes { get; init; }
    public required IPEndPoint InboundListen { get; init; }
    public IPEndPoint? AdminListen { get; init; }
    public required IReadOnlyList<LocalWorkload> Workloads { get; init; }
    public IReadOnlyList<OutboundListener> Outbound { get; init; } = [];

    /// <summary>How often the CA's trust bundle is polled (a root rotation publishes the new root for an hour by default first).</summary>
    public TimeSpan BundleRefresh { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a peer agent may take to answer a stream OPEN before its connection is dropped and rebuilt.</summary>
    public TimeSpan StreamOpenTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Serve the SPIFFE Workload API on this socket; null serves none.</summary>
    public WorkloadApiOptions? WorkloadApi { get; init; }

    /// <summary>How strictly JWTs are checked (RequestAuthentication): clock skew, size limit, algorithms per issuer.</summary>
    public Authn.JwtOptions Jwt { get; init; } = Authn.JwtOptions.Default;

    /// <summary>Serve the pods of a pods file inside their network namespaces (transparent interception); null: none.</summary>
    public Intercept.InterceptOptions? Intercept { get; init; }
}

/// <summary>Kubernetes discovery: Services and EndpointSlices (ready endpoints, identities from their pods' service accounts).</summary>
/// <param name="ApiServer">The API server; null: in-cluster (KUBERNETES_SERVICE_HOST, the pod's service-account token and CA).</param>
/// <param name="AgentPort">The tunnel port of each pod's agent (in-pod mode: 15008).</param>
public sealed record KubernetesDiscoveryOptions(Uri? ApiServer, int AgentPort);

/// <summary>How the agent reaches the CA and proves it is this node.</summary>
/// <param name="BootstrapToken">The join token or service-account token read when the config was loaded.</param>
public sealed record CaEndpointOptions(Uri Address, string RootCertPath, string BootstrapToken)
{
    /// <summary>Re-read at each bootstrap: the kubelet rotates projected tokens in place.</summary>
    public string? TokenFilePath { get; init; }

    /// <summary>Where the node certificate and key are kept (0600) so a restart renews instead of re-bootstrapping; null keeps them in memory only.</summary>
    public string? StateDir { get; init; }
}

/// <summary>What a port speaks: raw TCP, HTTP/1.1 (and h2c from apps), HTTP/2, or gRPC (HTTP/2 with trailers).</summary>
public enum PortProtocol { Tcp, Http, Http2, Grpc }

public sealed record WorkloadPort(int Port, PortProtocol Protocol);

/// <summary>A workload this agent serves: it presents the workload's SVID and forwards to its address.</summary>
public sealed record LocalWorkload
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string ServiceAccount { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public required IPAddress Address { get; init; }
    public required IReadOnlyList<WorkloadPort> Ports { get; init; }
    public required SpiffeId Identity { get; init; }

    /// <summary>A pod served in-pod: the network namespace the agent opens its listeners in; null for other workloads.</summary>
    public string? Netns { get; init; }

    /// <summary>How the Workload API recognises this workload's processes; null: the Workload API never serves it.</summary>
    public WorkloadAttestation? Attest { get; init; }

    // Cached: every decision record names the workload.
    public string Key => _key ??= $"{Namespace}/{Name}";

    private string? _key;

    public WorkloadPort? FindPort(int port)
    {
        foreach (var p in Ports)
        {
            if (p.Port == port)
            {
                return p;
            }
        }
        return null;
    }
}

/// <summary>An explicitly configured outbound listener: an app connects here to reach one service port.</summary>
public sealed record OutboundListener(IPEndPoint Listen, LocalWorkload Source, string Service, int ServicePort);
