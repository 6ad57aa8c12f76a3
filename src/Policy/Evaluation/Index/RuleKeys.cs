namespace Mesh.Policy.Evaluation;

/// <summary>
/// What every request a rule matches must carry, read off its compiled checks: one of a set of exact source
/// principals, or one of a set of destination ports. A rule "requires" a value when a positive, exact check on it
/// sits in its <c>when</c> list (ANDed) or in every one of its <c>from</c> sources / <c>to</c> operations (one of
/// them must match). Wildcards, <c>notX</c>, other fields and missing from/to give no key: such a rule is
/// evaluated for every request. Only checks that survive the TCP projection (not HTTP-only) count, so a key
/// holds for both projections of the rule.
/// </summary>
internal static class RuleKeys
{
    public static string[]? Principals(CompiledRule rule) => Required(rule, rule.From, ExactPrincipals);

    public static int[]? Ports(CompiledRule rule) => Required(rule, rule.To, PositivePorts);

    private static T[]? Required<T>(CompiledRule rule, IReadOnlyList<Clause>? alternatives, Func<FieldCheck, T[]?> key)
    {
        if (FirstKey(rule.When, key) is { } fromWhen)
        {
            return fromWhen.Distinct().ToArray();
        }

        if (alternatives is not { Count: > 0 })
        {
            return null;
        }

        var union = new List<T>();
        foreach (var clause in alternatives)
        {
            if (FirstKey(clause, key) is not { } values)
            {
                return null;
            }

            union.AddRange(values);
        }

        return union.Distinct().ToArray();
    }

    private static T[]? FirstKey<T>(Clause clause, Func<FieldCheck, T[]?> key)
    {
        foreach (var check in clause.Checks)
        {
            if (!check.IsNegated && !check.HttpOnly && key(check) is { } values)
            {
                return values;
            }
        }

        return null;
    }

    private static string[]? ExactPrincipals(FieldCheck check) =>
        check is StringCheck { Attribute: StringAttribute.SourcePrincipal, ExactValues: { } values } ? values : null;

    private static int[]? PositivePorts(FieldCheck check) => check is PortCheck { Ports: var ports } ? [.. ports] : null;
}
