namespace Mesh.Agent.Config;

// The YAML shape of an agent config file; AgentConfigLoader validates it into AgentOptions.
// Settable properties are required by the YAML deserializer.
#pragma warning disable CA1002, CA2227
internal sealed class AgentConfigFile
{
    public string? Node { get; set; }
    public string? TrustDomain { get; set; }
    public CaSection? Ca { get; set; }
    public string? Policies { get; set; }
    public string? RootNamespace { get; set; }
    public string? DecisionLog { get; set; }
    public string? Registry { get; set; }
    public ListenSection? Inbound { get; set; }
    public ListenSection? Admin { get; set; }
    public List<WorkloadSection> Workloads { get; set; } = [];
    public List<OutboundSection> Outbound { get; set; } = [];

    internal sealed class CaSection
    {
        public string? Address { get; set; }
        public string? RootCert { get; set; }
        public string? TokenFile { get; set; }
    }

    internal sealed class ListenSection
    {
        public string? Listen { get; set; }
    }

    internal sealed class WorkloadSection
    {
        public string? Name { get; set; }
        public string? Namespace { get; set; }
        public string? ServiceAccount { get; set; }
        public Dictionary<string, string> Labels { get; set; } = [];
        public string? Address { get; set; }
        public List<PortSection> Ports { get; set; } = [];
    }

    internal sealed class PortSection
    {
        public int Port { get; set; }
        public int TargetPort { get; set; }
        public string? Protocol { get; set; }
    }

    internal sealed class OutboundSection
    {
        public string? Listen { get; set; }
        public string? From { get; set; }
        public string? To { get; set; }
    }
}

internal sealed class RegistryFile
{
    public List<ServiceSection> Services { get; set; } = [];

    internal sealed class ServiceSection
    {
        public string? Name { get; set; }
        public List<AgentConfigFile.PortSection> Ports { get; set; } = [];
        public List<EndpointSection> Endpoints { get; set; } = [];
    }

    internal sealed class EndpointSection
    {
        public string? Address { get; set; }
        public string? Agent { get; set; }
        public string? Identity { get; set; }
    }
}
#pragma warning restore CA1002, CA2227
