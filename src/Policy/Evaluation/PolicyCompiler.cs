using Mesh.Policy.Loading;
using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>Turns validated definitions into matchers, once per load, including the TCP projection.</summary>
internal static class PolicyCompiler
{
    public static CompiledPolicy Compile(PolicyDefinition policy)
    {
        var labels = policy.MatchLabels?.ToArray() ?? [];
        var rules = new CompiledRuleVariants[policy.Rules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = policy.Rules[i];
            rules[i] = new CompiledRuleVariants(
                CompileHttp(rule),
                CompileTcp(rule, policy.Action),
                DecisionFor(policy, i));
        }

        return new CompiledPolicy(policy.Namespace, policy.FullName, policy.Action, labels, rules);
    }

    private static AuthzDecision DecisionFor(PolicyDefinition policy, int rule)
    {
        var decision = policy.Action == PolicyAction.Deny
            ? new AuthzDecision(DecisionKind.Deny, policy.FullName, rule, $"denied by DENY policy {policy.FullName} rule {rule}")
            : new AuthzDecision(DecisionKind.Allow, policy.FullName, rule, $"allowed by ALLOW policy {policy.FullName} rule {rule}");
        // Built once per rule, so decision records name the rule's file:line at no cost per request.
        var at = policy.Rules[rule].Location ?? policy.Location;
        return decision with { At = $"{Path.GetFileName(at.File)}:{at.Line}" };
    }

    private static CompiledRule CompileHttp(RuleDefinition rule) =>
        new(CompileSources(rule.From), rule.To?.Select(op => CompileOperation(op, keepHttpFields: true)).ToArray());

    /// <summary>
    /// Istio's fail-safe for rules on a TCP filter chain, where HTTP fields cannot be evaluated
    /// (pilot/pkg/security/authz/model: "for ALLOW ... the rule is ignored; for DENY ... the HTTP-only
    /// fields are ignored"): an ALLOW rule using any HTTP-only field is dropped, so it allows less;
    /// a DENY rule loses those fields, so it denies more. An operation left empty matches every request.
    /// </summary>
    private static CompiledRule? CompileTcp(RuleDefinition rule, PolicyAction action)
    {
        var usesHttp = rule.To?.Any(op => op.HasHttpOnlyFields) ?? false;
        if (usesHttp && action == PolicyAction.Allow)
        {
            return null;
        }

        return new CompiledRule(CompileSources(rule.From), rule.To?.Select(op => CompileOperation(op, keepHttpFields: false)).ToArray());
    }

    private static CompiledSource[]? CompileSources(IReadOnlyList<SourceDefinition>? sources) =>
        sources?.Select(s => new CompiledSource(Constraint(s.Principals, s.NotPrincipals))).ToArray();

    private static CompiledOperation CompileOperation(OperationDefinition op, bool keepHttpFields) => new(
        op.Ports is null && op.NotPorts is null ? PortConstraint.Any : new PortConstraint(op.Ports, op.NotPorts),
        keepHttpFields ? Constraint(op.Methods, op.NotMethods) : ValueConstraint.Any,
        keepHttpFields ? Constraint(op.Paths, op.NotPaths) : ValueConstraint.Any);

    private static ValueConstraint Constraint(StringMatcher[]? include, StringMatcher[]? exclude) =>
        include is null && exclude is null ? ValueConstraint.Any : new ValueConstraint(include, exclude);
}
