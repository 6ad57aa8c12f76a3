using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Mesh.Agent.Config;

namespace Mesh.Agent.Discovery;

/// <summary>
/// Resolves a <see cref="DnsServiceDefinition"/> to endpoints. A/AAAA: every address, the port from the definition.
/// SRV (RFC 2782): the records of the lowest priority ("a client MUST attempt to contact the target host with the
/// lowest-numbered priority it can reach"), each target's addresses (from the additional section, else looked up),
/// with the record's port and its weight (0, "a very small chance", becomes the smallest weight 1; above 1000 is
/// capped). Each address is served by the agent at <c>address:AgentPort</c> presenting the definition's identity.
/// An empty answer is a failure, not "no endpoints": losing every endpoint to a DNS glitch is worse than serving stale
/// ones for one more TTL.
/// </summary>
internal sealed class DnsEndpointResolver(ILookupClient client)
{
    public async Task<DnsAnswer> ResolveAsync(DnsServiceDefinition definition, CancellationToken cancellationToken)
    {
        try
        {
            return definition.Type == DnsRecordType.Srv
                ? await ResolveSrvAsync(definition, cancellationToken).ConfigureAwait(false)
                : await ResolveAddressesAsync(definition, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            return new DnsAnswer.Failed($"{definition.Name}: {e.Message}");
        }
    }

    private async Task<DnsAnswer> ResolveAddressesAsync(DnsServiceDefinition d, CancellationToken ct)
    {
        var type = d.Type == DnsRecordType.Aaaa ? QueryType.AAAA : QueryType.A;
        var response = await client.QueryAsync(d.Name, type, QueryClass.IN, ct).ConfigureAwait(false);
        if (Error(d.Name, type, response) is { } error)
        {
            return error;
        }
        var records = Addresses(response.Answers, d.Name).ToList();
        if (records.Count == 0)
        {
            return new DnsAnswer.Failed($"{d.Name}: no {type} records");
        }
        var endpoints = records.Select(r => Endpoint(d, r.Address, d.Port, 1)).Distinct().ToList();
        return new DnsAnswer.Resolved(endpoints, TimeSpan.FromSeconds(records.Min(r => r.Ttl)));
    }

    private async Task<DnsAnswer> ResolveSrvAsync(DnsServiceDefinition d, CancellationToken ct)
    {
        var response = await client.QueryAsync(d.Name, QueryType.SRV, QueryClass.IN, ct).ConfigureAwait(false);
        if (Error(d.Name, QueryType.SRV, response) is { } error)
        {
            return error;
        }
        var srv = response.Answers.SrvRecords().ToList();
        if (srv.Count == 0)
        {
            return new DnsAnswer.Failed($"{d.Name}: no SRV records");
        }
        var best = srv.Min(r => r.Priority);
        var ttl = srv.Min(r => r.InitialTimeToLive);
        var endpoints = new List<ServiceEndpoint>();
        foreach (var record in srv.Where(r => r.Priority == best))
        {
            var target = record.Target.Value.TrimEnd('.');
            var addresses = Addresses(response.Additionals, target).ToList();
            if (addresses.Count == 0)
            {
                foreach (var type in new[] { QueryType.A, QueryType.AAAA })
                {
                    var lookup = await client.QueryAsync(target, type, QueryClass.IN, ct).ConfigureAwait(false);
                    if (!lookup.HasError)
                    {
                        addresses.AddRange(Addresses(lookup.Answers, target));
                    }
                }
            }
            foreach (var (address, recordTtl) in addresses)
            {
                ttl = Math.Min(ttl, recordTtl);
                endpoints.Add(Endpoint(d, address, record.Port, Math.Clamp((int)record.Weight, 1, 1000)));
            }
        }
        if (endpoints.Count == 0)
        {
            return new DnsAnswer.Failed($"{d.Name}: no addresses for the SRV targets");
        }
        return new DnsAnswer.Resolved(endpoints, TimeSpan.FromSeconds(ttl));
    }

    private static DnsAnswer.Failed? Error(string name, QueryType type, IDnsQueryResponse response) =>
        response.HasError ? new DnsAnswer.Failed($"{name} {type}: {response.Header.ResponseCode} ({response.ErrorMessage})") : null;

    private static IEnumerable<(IPAddress Address, int Ttl)> Addresses(IEnumerable<DnsResourceRecord> records, string name)
    {
        foreach (var record in records)
        {
            if (!string.Equals(record.DomainName.Value.TrimEnd('.'), name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            switch (record)
            {
                case ARecord a: yield return (a.Address, a.InitialTimeToLive); break;
                case AaaaRecord aaaa: yield return (aaaa.Address, aaaa.InitialTimeToLive); break;
            }
        }
    }

    private static ServiceEndpoint Endpoint(DnsServiceDefinition d, IPAddress address, int? port, int weight) =>
        new(address, new IPEndPoint(address, d.AgentPort), d.Identity) { Port = port, Weight = weight };
}
