namespace Mesh.Policy.Evaluation;

/// <summary>
/// One rule in both protocol projections, plus what it produces when it matches (built once so that
/// evaluation allocates nothing). A null <see cref="Tcp"/> never matches.
/// </summary>
/// <param name="TcpNote">For explanations: how the TCP projection differs from the rule as written, or null.</param>
internal sealed record CompiledRuleVariants(CompiledRule Http, CompiledRule? Tcp, string? TcpNote, AuthzDecision Decision, PolicyMatch Match);

internal sealed class CompiledPolicy(
    string @namespace,
    string fullName,
    PolicyAction action,
    bool dryRun,
    KeyValuePair<string, string>[]? matchLabels,
    CompiledRuleVariants[] rules)
{
    private readonly RuleIndex? index = RuleIndex.Build(rules);

    public string Namespace => @namespace;

    public string FullName => fullName;

    public PolicyAction Action => action;

    public bool DryRun => dryRun;

    public IReadOnlyList<CompiledRuleVariants> Rules => rules;

    /// <summary>The selector's pairs; empty when the policy has no selector or an empty one (both select every workload).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MatchLabels => matchLabels ?? [];

    /// <summary>Whether <see cref="FirstMatch"/> goes through a <see cref="RuleIndex"/> rather than a scan.</summary>
    public bool Indexed => index is not null;

    /// <summary>Istio: a selector applies when every matchLabels entry is among the workload labels; no selector selects all.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> workloadLabels)
    {
        foreach (var (key, value) in matchLabels ?? [])
        {
            if (!workloadLabels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public string Selector => matchLabels is null ? "no selector" : "selector " + string.Join(",", matchLabels.Select(kv => $"{kv.Key}={kv.Value}"));

    /// <returns>The first matching rule in the request's protocol projection, or null when none matches.</returns>
    public CompiledRuleVariants? FirstMatch(in RequestView request)
    {
        var http = request.Request.Protocol == AuthzProtocol.Http;
        if (index is null)
        {
            foreach (var rule in rules)
            {
                if (Matches(rule, http, request))
                {
                    return rule;
                }
            }

            return null;
        }

        // The index yields candidate positions in ascending order, so the first that matches is the first rule that does.
        foreach (var position in index.For(request.Request))
        {
            if (Matches(rules[position], http, request))
            {
                return rules[position];
            }
        }

        return null;
    }

    private static bool Matches(CompiledRuleVariants rule, bool http, in RequestView request) =>
        (http ? rule.Http : rule.Tcp) is { } projected && projected.Matches(request);
}
