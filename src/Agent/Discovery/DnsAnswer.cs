using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>The outcome of resolving one DNS-defined service: its endpoints and how long they may be kept, or why not.</summary>
internal abstract record DnsAnswer
{
    private DnsAnswer()
    {
    }

    /// <summary>Endpoints with the smallest TTL of the records they came from.</summary>
    public sealed record Resolved(IReadOnlyList<ServiceEndpoint> Endpoints, TimeSpan Ttl) : DnsAnswer;

    /// <summary>No usable answer (timeout, NXDOMAIN, SERVFAIL, no records): the last good endpoints stay.</summary>
    public sealed record Failed(string Reason) : DnsAnswer;
}
