namespace Mesh.Agent.Config;

/// <summary>Validates a registry service's <c>dns</c> section (see <see cref="DnsServiceDefinition"/>).</summary>
internal static class DnsSectionReader
{
    public static DnsServiceDefinition? Read(RegistryFile.DnsSection s, string at, List<string> errors)
    {
        var before = errors.Count;
        var values = new PolicyValues(errors);
        if (!IsDnsName(s.Name))
        {
            errors.Add($"{at}.name: '{s.Name}' is not a DNS name (for example api.example.internal or _http._tcp.api.example.internal)");
        }
        DnsRecordType? type = s.Type?.ToUpperInvariant() switch
        {
            null or "A" => DnsRecordType.A,
            "AAAA" => DnsRecordType.Aaaa,
            "SRV" => DnsRecordType.Srv,
            _ => null,
        };
        if (type is null) errors.Add($"{at}.type: '{s.Type}' is not supported; use A, AAAA or SRV");
        int? port = s.Port is null ? null : values.Int(s.Port, $"{at}.port", 1, 65535, 0);
        if (type == DnsRecordType.Srv && s.Port is not null) errors.Add($"{at}.port: SRV records carry their own ports; leave port out");
        var agentPort = values.Int(s.AgentPort, $"{at}.agentPort", 1, 65535, 0);
        if (s.AgentPort is null) errors.Add($"{at}.agentPort: required (the agent's tunnel port at each resolved address, e.g. 15008)");
        var id = RegistryLoader.ReadIdentity(s.Identity, $"{at}.identity", errors);
        if (errors.Count != before)
        {
            return null;
        }
        // The service is filled in by the caller once the whole entry is valid.
        return new DnsServiceDefinition(new RegisteredService("", [], []), s.Name!.TrimEnd('.'), type!.Value, port, agentPort, id!);
    }

    /// <summary>RFC 1035 names, with the underscores of SRV names (RFC 2782 <c>_service._proto.name</c>).</summary>
    private static bool IsDnsName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.TrimEnd('.').Length is 0 or > 253)
        {
            return false;
        }
        return name.TrimEnd('.').Split('.').All(label => label.Length is >= 1 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            && label[0] != '-' && label[^1] != '-');
    }
}
