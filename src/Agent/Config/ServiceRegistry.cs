using System.Net;
using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>Where each service's endpoints are and which agent serves them, with the identity expected there.</summary>
public sealed class ServiceRegistry
{
    private readonly Dictionary<string, RegisteredService> _byName;

    public ServiceRegistry(IEnumerable<RegisteredService> services)
    {
        _byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public static ServiceRegistry Empty { get; } = new([]);

    public IReadOnlyCollection<RegisteredService> Services => _byName.Values;

    public RegisteredService? Find(string name) => _byName.GetValueOrDefault(name);
}

public sealed record RegisteredService(string Name, IReadOnlyList<ServicePort> Ports, IReadOnlyList<ServiceEndpoint> Endpoints)
{
    public ServicePort? FindPort(int port) => Ports.FirstOrDefault(p => p.Port == port);
}

public sealed record ServicePort(int Port, int TargetPort, PortProtocol Protocol);

/// <summary>One instance of a service: the workload's address, the agent in front of it, and the SPIFFE ID that agent must present for it.</summary>
public sealed record ServiceEndpoint(IPAddress Address, IPEndPoint Agent, SpiffeId Identity);
