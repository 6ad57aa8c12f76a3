using System.Net;
using Mesh.Identity;
using Mesh.Agent.Net;

namespace Mesh.Agent.Config;

/// <summary>Where each service's endpoints are and which agent serves them, with the identity expected there.</summary>
public sealed class ServiceRegistry
{
    private readonly Dictionary<string, RegisteredService> _byName;

    private readonly Dictionary<IPAddress, (RegisteredService Service, ServiceEndpoint Endpoint)> _byAddress = [];
    private readonly Dictionary<IPAddress, RegisteredService> _byVirtualAddress = [];

    public ServiceRegistry(IEnumerable<RegisteredService> services)
    {
        _byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in _byName.Values)
        {
            foreach (var endpoint in service.Endpoints)
            {
                // The first service naming an address wins; the tunnel and identity are the endpoint's either way.
                _byAddress.TryAdd(endpoint.Address, (service, endpoint));
            }
            foreach (var address in service.Addresses)
            {
                _byVirtualAddress.TryAdd(address, service);
            }
        }
    }

    /// <summary>The service whose virtual address (ClusterIP) is <paramref name="address"/>, if any.</summary>
    public RegisteredService? FindByVirtualAddress(IPAddress address) =>
        _byVirtualAddress.GetValueOrDefault(address.Unmapped());

    /// <summary>The workload at <paramref name="address"/> (a captured connection's original destination), if it is in the mesh.</summary>
    public (RegisteredService Service, ServiceEndpoint Endpoint)? FindEndpoint(IPAddress address) =>
        _byAddress.TryGetValue(address.Unmapped(), out var found) ? found : null;

    public static ServiceRegistry Empty { get; } = new([]);

    public IReadOnlyCollection<RegisteredService> Services => _byName.Values;

    public RegisteredService? Find(string name) => _byName.GetValueOrDefault(name);
}

public sealed record RegisteredService(string Name, IReadOnlyList<ServicePort> Ports, IReadOnlyList<ServiceEndpoint> Endpoints)
{
    /// <summary>Load balancing, health checks, timeouts, retries and circuit breaking for this service.</summary>
    public ServicePolicy Policy { get; init; } = ServicePolicy.Default;

    /// <summary>
    /// Virtual addresses the service is reached at (a Kubernetes ClusterIP): a captured connection to one goes to this
    /// service's balancer, which picks an endpoint per connection or request.
    /// </summary>
    public IReadOnlyList<IPAddress> Addresses { get; init; } = [];

    public ServicePort? FindPort(int port) => Ports.FirstOrDefault(p => p.Port == port);
}

public sealed record ServicePort(int Port, int TargetPort, PortProtocol Protocol);

/// <summary>One instance of a service: the workload's address, the agent in front of it, and the SPIFFE ID that agent must present for it.</summary>
public sealed record ServiceEndpoint(IPAddress Address, IPEndPoint Agent, SpiffeId Identity)
{
    /// <summary>Relative share of the service's traffic (1 by default).</summary>
    public int Weight { get; init; } = 1;

    /// <summary>The workload's port when discovery names one per endpoint (DNS SRV); null: the service port's targetPort.</summary>
    public int? Port { get; init; }
}
