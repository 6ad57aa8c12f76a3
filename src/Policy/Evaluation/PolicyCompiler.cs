using Mesh.Policy.Loading;

namespace Mesh.Policy.Evaluation;

/// <summary>Turns validated definitions into evaluable policies, once per load, including the TCP projection.</summary>
internal static class PolicyCompiler
{
    public static CompiledPolicy Compile(PolicyDefinition policy)
    {
        var rules = new CompiledRuleVariants[policy.Rules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = policy.Rules[i];
            var (tcp, note) = ProjectTcp(rule, policy.Action);
            rules[i] = new CompiledRuleVariants(rule, tcp, note, DecisionFor(policy, i), new PolicyMatch(policy.FullName, i, policy.Action));
        }

        return new CompiledPolicy(policy.Namespace, policy.FullName, policy.Action, policy.DryRun, policy.MatchLabels?.ToArray(), rules);
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

    /// <summary>
    /// Istio's fail-safe for rules on a TCP filter chain, where HTTP fields cannot be evaluated
    /// (pilot/pkg/security/authz/model: "for ALLOW ... the rule is ignored; for DENY ... the HTTP-only
    /// fields are ignored", the same for AUDIT): an ALLOW rule using any HTTP-only field is dropped, so
    /// it allows less; a DENY or AUDIT rule loses those fields, so it matches more. A source, operation
    /// or condition list left empty matches every request.
    /// </summary>
    private static (CompiledRule? Rule, string? Note) ProjectTcp(CompiledRule rule, PolicyAction action)
    {
        var httpFields = rule.AllChecks.Where(c => c.HttpOnly).Select(c => c.Field).Distinct().ToList();
        if (httpFields.Count == 0)
        {
            return (rule, null);
        }

        var fields = string.Join(", ", httpFields);
        return action == PolicyAction.Allow
            ? (null, $"on TCP this ALLOW rule is dropped: it uses HTTP-only fields ({fields})")
            : (rule.Without(c => c.HttpOnly), $"on TCP the HTTP-only fields ({fields}) are ignored and the rest must match");
    }
}
