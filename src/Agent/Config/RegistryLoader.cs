using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>
/// Loads the service registry file: service -> ports, traffic policy, and endpoints (address, serving agent, expected
/// SPIFFE ID, weight) or a DNS name that supplies them. Every problem is reported at once, each with its path; a file
/// with any error is rejected whole. The schema is docs/service-registry.md.
/// </summary>
public static class RegistryLoader
{
    public static ServiceRegistry Load(string path) => Read(path).ToRegistry();

    public static RegistryDocument Read(string path)
    {
        var file = ConfigFiles.Read(path, RegistryFile.Read);
        var errors = new List<string>();
        var services = new List<RegisteredService>();
        var dnsServices = new List<DnsServiceDefinition>();
        for (var i = 0; i < file.Services.Count; i++)
        {
            var s = file.Services[i];
            var at = $"services[{i}]";
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(s.Name)) errors.Add($"{at}.name: required");
            var ports = ReadPorts(s.Ports, at, errors);
            var policy = ServicePolicyReader.Read(s.Policy, at, errors);
            var endpoints = ReadEndpoints(s.Endpoints, at, errors);
            var addresses = new List<IPAddress>();
            for (var j = 0; j < s.Addresses.Count; j++)
            {
                if (IPAddress.TryParse(s.Addresses[j], out var vip))
                {
                    addresses.Add(vip);
                }
                else
                {
                    errors.Add($"{at}.addresses[{j}]: '{s.Addresses[j]}' is not an IP address (a virtual address such as a ClusterIP)");
                }
            }
            DnsServiceDefinition? dns = null;
            if (s.Dns is { } dnsSection)
            {
                if (s.Endpoints.Count > 0) errors.Add($"{at}: set endpoints or dns, not both");
                dns = DnsSectionReader.Read(dnsSection, $"{at}.dns", errors);
            }
            if (errors.Count != before)
            {
                continue;
            }
            var service = new RegisteredService(s.Name!, ports, endpoints) { Policy = policy, Addresses = addresses };
            if (dns is not null)
            {
                dnsServices.Add(dns with { Service = service });
            }
            else
            {
                services.Add(service);
            }
        }
        foreach (var dup in services.Concat(dnsServices.Select(d => d.Service)).GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"services: '{dup.Key}' is listed more than once");
        }
        if (errors.Count > 0)
        {
            throw new ConfigException($"{path}: invalid service registry:\n  " + string.Join("\n  ", errors));
        }
        return new RegistryDocument(services, dnsServices);
    }

    private static List<ServicePort> ReadPorts(IReadOnlyList<AgentConfigFile.PortSection> sections, string at, List<string> errors)
    {
        var ports = new List<ServicePort>();
        for (var j = 0; j < sections.Count; j++)
        {
            var p = sections[j];
            if (p.Port is < 1 or > 65535) errors.Add($"{at}.ports[{j}].port: {p.Port} is not a port number 1-65535");
            var target = p.TargetPort == 0 ? p.Port : p.TargetPort;
            if (target is < 1 or > 65535) errors.Add($"{at}.ports[{j}].targetPort: {p.TargetPort} is not a port number 1-65535");
            if (ConfigFiles.ParseProtocol(p.Protocol, $"{at}.ports[{j}].protocol", errors) is { } proto)
            {
                ports.Add(new ServicePort(p.Port, target, proto));
            }
        }
        return ports;
    }

    private static List<ServiceEndpoint> ReadEndpoints(IReadOnlyList<RegistryFile.EndpointSection> sections, string at, List<string> errors)
    {
        var values = new PolicyValues(errors);
        var endpoints = new List<ServiceEndpoint>();
        for (var j = 0; j < sections.Count; j++)
        {
            var e = sections[j];
            var eat = $"{at}.endpoints[{j}]";
            var before = errors.Count;
            if (!IPAddress.TryParse(e.Address, out var address)) errors.Add($"{eat}.address: '{e.Address}' is not an IP address");
            var agent = ConfigFiles.ParseEndpoint(e.Agent, $"{eat}.agent", errors);
            var id = ReadIdentity(e.Identity, $"{eat}.identity", errors);
            var weight = values.Int(e.Weight, $"{eat}.weight", 1, 1000, 1);
            if (errors.Count == before)
            {
                endpoints.Add(new ServiceEndpoint(address!, agent!, id!) { Weight = weight });
            }
        }
        return endpoints;
    }

    internal static SpiffeId? ReadIdentity(string? text, string at, List<string> errors)
    {
        if (text is null)
        {
            errors.Add($"{at}: required (the SPIFFE ID the agent must present)");
            return null;
        }
        if (!SpiffeId.TryParse(text, out var id, out var idError))
        {
            errors.Add($"{at}: {idError}");
            return null;
        }
        return id;
    }
}
