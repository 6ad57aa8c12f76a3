using Mesh.Identity;

namespace Mesh.Agent.Config;

/// <summary>Which DNS records name a service's endpoints.</summary>
public enum DnsRecordType
{
    /// <summary>IPv4 addresses; the workload port is <see cref="DnsServiceDefinition.Port"/> or the service's targetPort.</summary>
    A,

    /// <summary>IPv6 addresses, as <see cref="A"/>.</summary>
    Aaaa,

    /// <summary>SRV records: each target's addresses, with the record's port and weight.</summary>
    Srv,
}

/// <summary>
/// A registry service whose endpoints come from DNS (<c>dns:</c> instead of <c>endpoints:</c>). DNS says where the
/// workloads are, not who serves them, so the registry supplies the rest: every resolved address is served by the agent
/// at <c>address:AgentPort</c> (in-pod mode: the tunnel port inside the workload's own network namespace) and must
/// present <see cref="Identity"/>.
/// </summary>
/// <param name="Service">The service's name, ports and policy; its endpoints are empty until resolved.</param>
/// <param name="Name">The DNS name queried (an SRV name like <c>_http._tcp.api.example.internal</c> for SRV).</param>
public sealed record DnsServiceDefinition(RegisteredService Service, string Name, DnsRecordType Type, int? Port, int AgentPort, SpiffeId Identity);
