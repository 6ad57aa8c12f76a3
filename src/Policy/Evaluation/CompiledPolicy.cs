using Mesh.Policy.Loading;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// One rule in both protocol projections, plus the decision it produces (built once so that
/// evaluation allocates nothing). A null projection never matches.
/// </summary>
internal sealed record CompiledRuleVariants(CompiledRule? Http, CompiledRule? Tcp, AuthzDecision Decision);

internal sealed class CompiledPolicy(
    string @namespace,
    string fullName,
    PolicyAction action,
    KeyValuePair<string, string>[] matchLabels,
    CompiledRuleVariants[] rules)
{
    public string Namespace => @namespace;

    public string FullName => fullName;

    public PolicyAction Action => action;

    public IReadOnlyList<CompiledRuleVariants> Rules => rules;

    /// <summary>Istio: a selector applies when every matchLabels entry is among the workload labels; no selector selects all.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> workloadLabels)
    {
        foreach (var (key, value) in matchLabels)
        {
            if (!workloadLabels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <returns>The decision of the first matching rule, or null when no rule matches.</returns>
    public AuthzDecision? FirstMatch(AuthzProtocol protocol, in RequestAttributes request)
    {
        foreach (var rule in rules)
        {
            var projected = protocol == AuthzProtocol.Http ? rule.Http : rule.Tcp;
            if (projected is not null && projected.Matches(request))
            {
                return rule.Decision;
            }
        }

        return null;
    }
}
