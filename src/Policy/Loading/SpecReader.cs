using Mesh.Policy.Matching;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads an AuthorizationPolicy <c>spec</c>: selector, action and rules.</summary>
internal static class SpecReader
{
    public sealed record Spec(PolicyAction Action, IReadOnlyDictionary<string, string>? MatchLabels, IReadOnlyList<RuleDefinition> Rules);

    public static readonly Spec AllowNothing = new(PolicyAction.Allow, null, []);

    public static Spec Read(YamlNode node, ErrorSink errors)
    {
        // Istio: an empty or absent spec is an ALLOW policy without rules, which allows nothing.
        if (YamlNodes.IsNull(node))
        {
            return AllowNothing;
        }

        var map = YamlNodes.Mapping(node, "spec", errors);
        if (map is null)
        {
            return AllowNothing;
        }

        var fields = YamlNodes.Fields(map, FieldSet.Spec, errors);
        var action = fields.TryGetValue("action", out var a) ? ReadAction(a.Value, errors) : PolicyAction.Allow;
        var labels = fields.TryGetValue("selector", out var s) ? ReadSelector(s.Value, errors) : null;
        var rules = fields.TryGetValue("rules", out var r) ? ReadRules(r.Value, errors) : [];
        return new Spec(action, labels, rules);
    }

    private static PolicyAction ReadAction(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "action", errors);
        switch (text)
        {
            case null:
                return PolicyAction.Allow;
            case "ALLOW":
                return PolicyAction.Allow;
            case "DENY":
                return PolicyAction.Deny;
            case "AUDIT" or "CUSTOM":
                errors.At(node, $"action {text} is not supported yet; use ALLOW or DENY");
                return PolicyAction.Allow;
            default:
                var upper = text.ToUpperInvariant();
                errors.At(node, upper is "ALLOW" or "DENY"
                    ? $"unknown action '{text}'; did you mean '{upper}'? (actions are case-sensitive)"
                    : $"unknown action '{text}'; expected ALLOW or DENY");
                return PolicyAction.Allow;
        }
    }

    private static Dictionary<string, string>? ReadSelector(YamlNode node, ErrorSink errors)
    {
        var map = YamlNodes.Mapping(node, "selector", errors);
        if (map is null)
        {
            return null;
        }

        var fields = YamlNodes.Fields(map, FieldSet.Selector, errors);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!fields.TryGetValue("matchLabels", out var matchLabels) || YamlNodes.Mapping(matchLabels.Value, "matchLabels", errors) is not { } labelMap)
        {
            return labels;
        }

        foreach (var (key, value) in labelMap.Children)
        {
            var name = YamlNodes.Text(key, "matchLabels key", errors);
            if (value is not YamlScalarNode scalar || YamlNodes.IsNull(value))
            {
                errors.At(value, $"label '{name}' in matchLabels needs a string value (write \"\" for an empty one)");
                continue;
            }

            if (name is not null)
            {
                labels[name] = scalar.Value ?? "";
            }
        }

        return labels;
    }

    private static List<RuleDefinition> ReadRules(YamlNode node, ErrorSink errors)
    {
        var rules = new List<RuleDefinition>();
        if (YamlNodes.Sequence(node, "rules", errors) is not { } sequence)
        {
            return rules;
        }

        foreach (var item in sequence)
        {
            if (YamlNodes.Mapping(item, "rules[]", errors) is not { } map)
            {
                continue;
            }

            var fields = YamlNodes.Fields(map, FieldSet.Rule, errors);
            var from = fields.TryGetValue("from", out var f) ? ReadEntries(f.Value, "from", "source", FieldSet.From, ReadSource, errors) : null;
            var to = fields.TryGetValue("to", out var t) ? ReadEntries(t.Value, "to", "operation", FieldSet.To, ReadOperation, errors) : null;
            rules.Add(new RuleDefinition(from, to, errors.Locate(item)));
        }

        return rules;
    }

    /// <summary>Reads <c>from: [{source: ...}]</c> or <c>to: [{operation: ...}]</c>.</summary>
    private static List<T>? ReadEntries<T>(
        YamlNode node, string field, string inner, FieldSet entryFields, Func<YamlMappingNode, ErrorSink, T> read, ErrorSink errors)
    {
        if (YamlNodes.Sequence(node, field, errors) is not { } sequence)
        {
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            errors.At(node, $"'{field}' is an empty list, which Istio reads as no constraint; remove the field if that is what you mean");
            return null;
        }

        var entries = new List<T>();
        foreach (var item in sequence)
        {
            if (YamlNodes.Mapping(item, $"{field}[]", errors) is not { } map)
            {
                continue;
            }

            var fields = YamlNodes.Fields(map, entryFields, errors);
            if (!fields.TryGetValue(inner, out var body))
            {
                errors.At(item, $"each '{field}' entry needs '{inner}'");
                continue;
            }

            if (YamlNodes.Mapping(body.Value, inner, errors) is { } bodyMap)
            {
                entries.Add(read(bodyMap, errors));
            }
        }

        return entries;
    }

    private static SourceDefinition ReadSource(YamlMappingNode map, ErrorSink errors)
    {
        var fields = YamlNodes.Fields(map, FieldSet.Source, errors);
        return new SourceDefinition(
            Strings(fields, "principals", ValueListReader.Kind.Pattern, errors),
            Strings(fields, "notPrincipals", ValueListReader.Kind.Pattern, errors));
    }

    private static OperationDefinition ReadOperation(YamlMappingNode map, ErrorSink errors)
    {
        var fields = YamlNodes.Fields(map, FieldSet.Operation, errors);
        return new OperationDefinition(
            fields.TryGetValue("ports", out var p) ? ValueListReader.Ports(p.Value, "ports", errors) : null,
            fields.TryGetValue("notPorts", out var np) ? ValueListReader.Ports(np.Value, "notPorts", errors) : null,
            Strings(fields, "methods", ValueListReader.Kind.Method, errors),
            Strings(fields, "notMethods", ValueListReader.Kind.Method, errors),
            Strings(fields, "paths", ValueListReader.Kind.Path, errors),
            Strings(fields, "notPaths", ValueListReader.Kind.Path, errors));
    }

    private static StringMatcher[]? Strings(
        Dictionary<string, (YamlNode Key, YamlNode Value)> fields, string field, ValueListReader.Kind kind, ErrorSink errors) =>
        fields.TryGetValue(field, out var node) ? ValueListReader.Strings(node.Value, field, kind, errors) : null;
}
