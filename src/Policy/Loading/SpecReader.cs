using Mesh.Policy.Evaluation;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads an AuthorizationPolicy <c>spec</c>: selector, action and rules.</summary>
internal static class SpecReader
{
    public sealed record Spec(PolicyAction Action, IReadOnlyDictionary<string, string>? MatchLabels, IReadOnlyList<CompiledRule> Rules);

    public static readonly Spec AllowNothing = new(PolicyAction.Allow, null, []);

    public static Spec Read(YamlNode node, string policyNamespace, ErrorSink errors)
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
        foreach (var name in new[] { "targetRef", "targetRefs" })
        {
            if (fields.TryGetValue(name, out var target))
            {
                errors.At(target.Key, $"'{name}' is not supported: it attaches a policy to a Gateway, Service or ServiceEntry (waypoints), and this agent enforces workload policies only; use 'selector'");
            }
        }

        var action = fields.TryGetValue("action", out var a) ? ReadAction(a.Value, errors) : PolicyAction.Allow;
        if (fields.TryGetValue("provider", out var provider) && action is not null)
        {
            errors.At(provider.Key, "'provider' is only valid with action CUSTOM; remove it");
        }

        var labels = fields.TryGetValue("selector", out var s) ? SelectorReader.Read(s.Value, errors) : null;
        var rules = fields.TryGetValue("rules", out var r) ? ReadRules(r.Value, policyNamespace, errors) : [];
        return new Spec(action ?? PolicyAction.Allow, labels, rules);
    }

    /// <returns>The action, or null after reporting an error (CUSTOM included).</returns>
    private static PolicyAction? ReadAction(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "action", errors);
        switch (text)
        {
            case null:
                return null;
            case "ALLOW":
                return PolicyAction.Allow;
            case "DENY":
                return PolicyAction.Deny;
            case "AUDIT":
                return PolicyAction.Audit;
            case "CUSTOM":
                errors.At(node, "action CUSTOM (external authorization) is not supported; use ALLOW or DENY, or keep the policy out of this directory");
                return null;
            default:
                var upper = text.ToUpperInvariant();
                errors.At(node, upper is "ALLOW" or "DENY" or "AUDIT" or "CUSTOM"
                    ? $"unknown action '{text}'; did you mean '{upper}'? (actions are case-sensitive)"
                    : $"unknown action '{text}'; expected ALLOW, DENY or AUDIT");
                return null;
        }
    }

    private static List<CompiledRule> ReadRules(YamlNode node, string policyNamespace, ErrorSink errors)
    {
        var rules = new List<CompiledRule>();
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
            var from = fields.TryGetValue("from", out var f)
                ? ReadEntries(f.Value, "from", "source", FieldSet.From, (m, e) => SourceReader.Read(m, policyNamespace, e), errors)
                : null;
            var to = fields.TryGetValue("to", out var t) ? ReadEntries(t.Value, "to", "operation", FieldSet.To, OperationReader.Read, errors) : null;
            var when = fields.TryGetValue("when", out var w) ? ConditionReader.Read(w.Value, policyNamespace, errors) : [];
            rules.Add(new CompiledRule(from, to, new Clause("when", (when ?? []).ToArray()), errors.Locate(item)));
        }

        return rules;
    }

    /// <summary>Reads <c>from: [{source: ...}]</c> or <c>to: [{operation: ...}]</c>.</summary>
    private static Clause[]? ReadEntries(
        YamlNode node, string field, string inner, FieldSet entryFields, Func<YamlMappingNode, ErrorSink, FieldCheck[]?> read, ErrorSink errors)
    {
        if (YamlNodes.Sequence(node, field, errors) is not { } sequence)
        {
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            errors.At(node, $"'{field}' is an empty list, which Istio refuses; remove the field to match any {inner}");
            return null;
        }

        var entries = new List<Clause>();
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

            if (YamlNodes.Mapping(body.Value, inner, errors) is { } bodyMap && read(bodyMap, errors) is { } checks)
            {
                entries.Add(new Clause($"{field}[{entries.Count}].{inner}", checks));
            }
        }

        return entries.ToArray();
    }
}
