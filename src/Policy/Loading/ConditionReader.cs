using Mesh.Policy.Evaluation;
using YamlDotNet.RepresentationModel;
using static Mesh.Policy.Loading.ValueListReader;

namespace Mesh.Policy.Loading;

/// <summary>Reads a rule's <c>when</c> list: every condition must hold; within one, values ORed, notValues excluded.</summary>
internal static class ConditionReader
{
    public static List<FieldCheck>? Read(YamlNode node, string policyNamespace, ErrorSink errors)
    {
        if (YamlNodes.Sequence(node, "when", errors) is not { } sequence)
        {
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            errors.At(node, "'when' is an empty list, which Istio reads as no condition; remove the field if that is what you mean");
            return null;
        }

        var checks = new List<FieldCheck>();
        var bad = false;
        foreach (var item in sequence)
        {
            if (YamlNodes.Mapping(item, "when[]", errors) is not { } map || ReadOne(map, policyNamespace, errors) is not { } one)
            {
                bad = true;
                continue;
            }

            checks.AddRange(one);
        }

        return bad ? null : checks;
    }

    private static List<FieldCheck>? ReadOne(YamlMappingNode map, string policyNamespace, ErrorSink errors)
    {
        var fields = YamlNodes.Fields(map, FieldSet.Condition, errors);
        if (!fields.TryGetValue("key", out var keyNode))
        {
            errors.At(map, "a 'when' condition needs 'key', e.g. key: request.headers[x-user]");
            return null;
        }

        if (YamlNodes.Text(keyNode.Value, "key", errors) is not { } text)
        {
            return null;
        }

        var (key, error) = ConditionKey.Parse(text);
        if (key is null)
        {
            errors.At(keyNode.Value, error!);
            return null;
        }

        if (!fields.ContainsKey("values") && !fields.ContainsKey("notValues"))
        {
            errors.At(map, $"condition '{text}' needs 'values' or 'notValues' (Istio: at least one of them must be set)");
            return null;
        }

        var checks = new List<FieldCheck?>();
        foreach (var (field, negated) in new[] { ("values", false), ("notValues", true) })
        {
            if (fields.TryGetValue(field, out var values))
            {
                checks.Add(Build(key, $"{text} {field}", values.Value, negated, policyNamespace, errors));
            }
        }

        return checks.Contains(null) ? null : checks.OfType<FieldCheck>().ToList();
    }

    private static FieldCheck? Build(ConditionKey key, string field, YamlNode values, bool negated, string policyNamespace, ErrorSink errors)
    {
        var http = key.HttpOnly;
        return key.Kind switch
        {
            ConditionKind.SourceIp => Ips(values, field, errors) is { } a ? new IpCheck(field, IpAttribute.Source, a, negated) : null,
            ConditionKind.RemoteIp => Ips(values, field, errors) is { } b ? new IpCheck(field, IpAttribute.Remote, b, negated) : null,
            ConditionKind.DestinationIp => Ips(values, field, errors) is { } c ? new IpCheck(field, IpAttribute.Destination, c, negated) : null,
            ConditionKind.DestinationPort => Ports(values, field, errors) is { } p ? new PortCheck(field, p, negated) : null,
            ConditionKind.SourceServiceAccount => ServiceAccounts(values, field, policyNamespace, errors) is { } s ? new ServiceAccountCheck(field, s, negated) : null,
            ConditionKind.Header => Patterns(values, field, PatternKind.Plain, errors) is { } h ? new HeaderCheck(field, key.Arguments[0], h, negated) : null,
            ConditionKind.Claim => Patterns(values, field, PatternKind.Plain, errors) is { } cl ? new ClaimCheck(field, [.. key.Arguments], cl, negated) : null,
            ConditionKind.Audiences => Patterns(values, field, PatternKind.Plain, errors) is { } au ? new AudienceCheck(field, au, negated) : null,
            _ => Patterns(values, field, PatternKind.Plain, errors) is { } v ? new StringCheck(field, Attribute(key.Kind), v, negated, http) : null,
        };
    }

    private static StringAttribute Attribute(ConditionKind kind) => kind switch
    {
        ConditionKind.SourceNamespace => StringAttribute.SourceNamespace,
        ConditionKind.SourcePrincipal => StringAttribute.SourcePrincipal,
        ConditionKind.SourceTrustDomain => StringAttribute.SourceTrustDomain,
        ConditionKind.RequestPrincipal => StringAttribute.RequestPrincipal,
        ConditionKind.Presenter => StringAttribute.Presenter,
        _ => StringAttribute.Sni,
    };
}
