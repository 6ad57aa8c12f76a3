using Mesh.Policy.Evaluation;
using YamlDotNet.RepresentationModel;
using static Mesh.Policy.Loading.ValueListReader;

namespace Mesh.Policy.Loading;

/// <summary>Reads one <c>from[].source</c> into its checks; its fields are ANDed.</summary>
internal static class SourceReader
{
    public static FieldCheck[]? Read(YamlMappingNode map, string policyNamespace, ErrorSink errors)
    {
        var fields = YamlNodes.Fields(map, FieldSet.Source, errors);
        if (map.Children.Count == 0)
        {
            // Istio's validation refuses it ("`from.source` must not be empty"); it would otherwise match every source.
            errors.At(map, "'source' is empty; give it at least one field, or remove the 'from' entry to match any source");
            return null;
        }

        if ((fields.ContainsKey("serviceAccounts") || fields.ContainsKey("notServiceAccounts"))
            && fields.Keys.FirstOrDefault(k => k is "principals" or "notPrincipals" or "namespaces" or "notNamespaces") is { } other)
        {
            errors.At(fields[other].Key, $"'{other}' cannot be combined with serviceAccounts/notServiceAccounts in one source (Istio refuses it); use separate 'from' entries");
        }

        var checks = new List<FieldCheck?>();
        foreach (var (name, (_, value)) in fields)
        {
            var negated = name.StartsWith("not", StringComparison.Ordinal);
            checks.Add(name switch
            {
                "principals" or "notPrincipals" => Strings(value, name, StringAttribute.SourcePrincipal, negated, httpOnly: false, errors),
                "requestPrincipals" or "notRequestPrincipals" => Strings(value, name, StringAttribute.RequestPrincipal, negated, httpOnly: true, errors),
                "namespaces" or "notNamespaces" => Strings(value, name, StringAttribute.SourceNamespace, negated, httpOnly: false, errors),
                "trustDomains" or "notTrustDomains" => Strings(value, name, StringAttribute.SourceTrustDomain, negated, httpOnly: false, errors),
                "serviceAccounts" or "notServiceAccounts" => ServiceAccounts(value, name, policyNamespace, errors) is { } accounts
                    ? new ServiceAccountCheck(name, accounts, negated) : null,
                "ipBlocks" or "notIpBlocks" => Ips(value, name, errors) is { } ips ? new IpCheck(name, IpAttribute.Source, ips, negated) : null,
                _ => Ips(value, name, errors) is { } remote ? new IpCheck(name, IpAttribute.Remote, remote, negated) : null,
            });
        }

        return checks.Contains(null) ? null : checks.OfType<FieldCheck>().ToArray();
    }

    private static StringCheck? Strings(YamlNode node, string field, StringAttribute attribute, bool negated, bool httpOnly, ErrorSink errors) =>
        Patterns(node, field, PatternKind.Plain, errors) is { } patterns ? new StringCheck(field, attribute, patterns, negated, httpOnly) : null;
}
