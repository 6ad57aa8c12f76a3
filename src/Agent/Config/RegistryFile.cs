namespace Mesh.Agent.Config;

// The YAML shape of the service registry file, read field by field (no reflection); RegistryLoader validates it.
// Numbers, booleans and durations of the policy are kept as text so that RegistryLoader reports every bad value at
// once with its path instead of stopping at the first.
internal sealed class RegistryFile
{
    public IReadOnlyList<ServiceSection> Services { get; private init; } = [];

    public static RegistryFile Read(YamlMap map)
    {
        var file = new RegistryFile { Services = map.List("services").Select(ServiceSection.Read).ToList() };
        map.EnsureAllRead();
        return file;
    }

    internal sealed class ServiceSection
    {
        public string? Name { get; private init; }
        public IReadOnlyList<AgentConfigFile.PortSection> Ports { get; private init; } = [];
        public IReadOnlyList<EndpointSection> Endpoints { get; private init; } = [];
        public DnsSection? Dns { get; private init; }
        public IReadOnlyList<string> Addresses { get; private init; } = [];
        public RegistryPolicySection Policy { get; private init; } = RegistryPolicySection.None;

        public static ServiceSection Read(YamlMap map)
        {
            var service = new ServiceSection
            {
                Name = map.String("name"),
                Ports = map.List("ports").Select(AgentConfigFile.PortSection.Read).ToList(),
                Endpoints = map.List("endpoints").Select(EndpointSection.Read).ToList(),
                Dns = map.Map("dns") is { } dns ? DnsSection.Read(dns) : null,
                Addresses = map.StringList("addresses"),
                Policy = RegistryPolicySection.Read(map),
            };
            map.EnsureAllRead();
            return service;
        }
    }

    internal sealed class EndpointSection
    {
        public string? Address { get; private init; }
        public string? Agent { get; private init; }
        public string? Identity { get; private init; }
        public string? Weight { get; private init; }

        public static EndpointSection Read(YamlMap map)
        {
            var endpoint = new EndpointSection
            {
                Address = map.String("address"),
                Agent = map.String("agent"),
                Identity = map.String("identity"),
                Weight = map.String("weight"),
            };
            map.EnsureAllRead();
            return endpoint;
        }
    }

    /// <summary>A service whose endpoints come from DNS instead of <c>endpoints</c>.</summary>
    internal sealed class DnsSection
    {
        public string? Name { get; private init; }
        public string? Type { get; private init; }
        public string? Port { get; private init; }
        public string? AgentPort { get; private init; }
        public string? Identity { get; private init; }

        public static DnsSection Read(YamlMap map)
        {
            var dns = new DnsSection
            {
                Name = map.String("name"),
                Type = map.String("type"),
                Port = map.String("port"),
                AgentPort = map.String("agentPort"),
                Identity = map.String("identity"),
            };
            map.EnsureAllRead();
            return dns;
        }
    }
}
