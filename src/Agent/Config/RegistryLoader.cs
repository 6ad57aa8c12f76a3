using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>Loads the service registry file: service -> ports and endpoints (address, serving agent, expected SPIFFE ID).</summary>
public static class RegistryLoader
{
    public static ServiceRegistry Load(string path)
    {
        var file = ConfigFiles.Read(path, RegistryFile.Read);
        var errors = new List<string>();
        var services = new List<RegisteredService>();
        for (var i = 0; i < file.Services.Count; i++)
        {
            var s = file.Services[i];
            var at = $"services[{i}]";
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(s.Name)) errors.Add($"{at}.name: required");
            var ports = new List<ServicePort>();
            for (var j = 0; j < s.Ports.Count; j++)
            {
                var p = s.Ports[j];
                if (p.Port is < 1 or > 65535) errors.Add($"{at}.ports[{j}].port: {p.Port} is not a port number 1-65535");
                var target = p.TargetPort == 0 ? p.Port : p.TargetPort;
                if (target is < 1 or > 65535) errors.Add($"{at}.ports[{j}].targetPort: {p.TargetPort} is not a port number 1-65535");
                if (ConfigFiles.ParseProtocol(p.Protocol, $"{at}.ports[{j}].protocol", errors) is { } proto)
                {
                    ports.Add(new ServicePort(p.Port, target, proto));
                }
            }
            var endpoints = new List<ServiceEndpoint>();
            for (var j = 0; j < s.Endpoints.Count; j++)
            {
                var e = s.Endpoints[j];
                var eat = $"{at}.endpoints[{j}]";
                if (!IPAddress.TryParse(e.Address, out var address)) errors.Add($"{eat}.address: '{e.Address}' is not an IP address");
                var agent = ConfigFiles.ParseEndpoint(e.Agent, $"{eat}.agent", errors);
                SpiffeId? id = null;
                if (e.Identity is null)
                {
                    errors.Add($"{eat}.identity: required (the SPIFFE ID the agent must present)");
                }
                else if (!SpiffeId.TryParse(e.Identity, out id, out var idError))
                {
                    errors.Add($"{eat}.identity: {idError}");
                }
                if (address is not null && agent is not null && id is not null)
                {
                    endpoints.Add(new ServiceEndpoint(address, agent, id));
                }
            }
            if (errors.Count == before)
            {
                services.Add(new RegisteredService(s.Name!, ports, endpoints));
            }
        }
        foreach (var dup in services.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"services: '{dup.Key}' is listed more than once");
        }
        if (errors.Count > 0)
        {
            throw new ConfigException($"{path}: invalid service registry:\n  " + string.Join("\n  ", errors));
        }
        return new ServiceRegistry(services);
    }
}
