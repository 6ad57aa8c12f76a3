namespace Mesh.Agent.Config;

// The YAML shape of an agent config file, read field by field (no reflection); AgentConfigLoader validates it
// into AgentOptions.
internal sealed partial class AgentConfigFile
{
    public string? Node { get; private init; }
    public string? TrustDomain { get; private init; }
    public CaSection? Ca { get; private init; }
    public string? Policies { get; private init; }
    public string? RootNamespace { get; private init; }
    public string? DefaultMtlsMode { get; private init; }
    public DecisionLogSection? DecisionLog { get; private init; }
    public string? Registry { get; private init; }
    public ListenSection? Inbound { get; private init; }
    public ListenSection? Admin { get; private init; }
    public IReadOnlyList<WorkloadSection> Workloads { get; private init; } = [];
    public IReadOnlyList<OutboundSection> Outbound { get; private init; } = [];
    public WorkloadApiSection? WorkloadApi { get; private init; }
    public InterceptSection? Intercept { get; private init; }
    public DiscoverySection? Discovery { get; private init; }

    public static AgentConfigFile Read(YamlMap map)
    {
        var file = new AgentConfigFile
        {
            Node = map.String("node"),
            TrustDomain = map.String("trustDomain"),
            Ca = map.Map("ca") is { } ca ? CaSection.Read(ca) : null,
            Policies = map.String("policies"),
            RootNamespace = map.String("rootNamespace"),
            DefaultMtlsMode = map.String("defaultMtlsMode"),
            DecisionLog = DecisionLogSection.ReadField(map, "decisionLog"),
            Registry = map.String("registry"),
            Inbound = map.Map("inbound") is { } inbound ? ListenSection.Read(inbound) : null,
            Admin = map.Map("admin") is { } admin ? ListenSection.Read(admin) : null,
            Workloads = map.List("workloads").Select(WorkloadSection.Read).ToList(),
            Outbound = map.List("outbound").Select(OutboundSection.Read).ToList(),
            WorkloadApi = map.Map("workloadApi") is { } workloadApi ? WorkloadApiSection.Read(workloadApi) : null,
            Intercept = map.Map("intercept") is { } intercept ? InterceptSection.Read(intercept) : null,
            Discovery = map.Map("discovery") is { } discovery ? DiscoverySection.Read(discovery) : null,
            Jwt = map.Map("jwt") is { } jwt ? JwtSection.Read(jwt) : null,
        };
        map.EnsureAllRead();
        return file;
    }

    internal sealed class CaSection
    {
        public string? Address { get; private init; }
        public string? RootCert { get; private init; }
        public string? TokenFile { get; private init; }
        public string? StateDir { get; private init; }

        public static CaSection Read(YamlMap map)
        {
            var ca = new CaSection
            {
                Address = map.String("address"),
                RootCert = map.String("rootCert"),
                TokenFile = map.String("tokenFile"),
                StateDir = map.String("stateDir"),
            };
            map.EnsureAllRead();
            return ca;
        }
    }

    internal sealed class ListenSection
    {
        public string? Listen { get; private init; }

        public static ListenSection Read(YamlMap map)
        {
            var listen = new ListenSection { Listen = map.String("listen") };
            map.EnsureAllRead();
            return listen;
        }
    }

    internal sealed class WorkloadSection
    {
        public string? Name { get; private init; }
        public string? Namespace { get; private init; }
        public string? ServiceAccount { get; private init; }
        public Dictionary<string, string> Labels { get; private init; } = [];
        public string? Address { get; private init; }
        public IReadOnlyList<PortSection> Ports { get; private init; } = [];
        public AttestSection? Attest { get; private init; }

        /// <summary>Pods file only: the pod's network namespace, where the agent opens its listeners.</summary>
        public string? Netns { get; private init; }

        public static WorkloadSection Read(YamlMap map)
        {
            var workload = new WorkloadSection
            {
                Name = map.String("name"),
                Namespace = map.String("namespace"),
                ServiceAccount = map.String("serviceAccount"),
                Labels = map.StringMap("labels"),
                Address = map.String("address"),
                Ports = map.List("ports").Select(PortSection.Read).ToList(),
                Attest = map.Map("attest") is { } attest ? AttestSection.Read(attest) : null,
                Netns = map.String("netns"),
            };
            map.EnsureAllRead();
            return workload;
        }
    }

    internal sealed class PortSection
    {
        public int Port { get; private init; }
        public int TargetPort { get; private init; }
        public string? Protocol { get; private init; }

        public static PortSection Read(YamlMap map)
        {
            var port = new PortSection { Port = map.Int("port"), TargetPort = map.Int("targetPort"), Protocol = map.String("protocol") };
            map.EnsureAllRead();
            return port;
        }
    }

    internal sealed class OutboundSection
    {
        public string? Listen { get; private init; }
        public string? From { get; private init; }
        public string? To { get; private init; }

        public static OutboundSection Read(YamlMap map)
        {
            var outbound = new OutboundSection { Listen = map.String("listen"), From = map.String("from"), To = map.String("to") };
            map.EnsureAllRead();
            return outbound;
        }
    }
}
