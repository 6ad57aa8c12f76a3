using Mesh.Policy.Evaluation;

namespace Mesh.Policy.Tests.Evaluation;

/// <summary>
/// Istio's evaluation order as a plain scan of every policy and every rule, with no index: what
/// <see cref="PolicySet.Evaluate"/> must agree with exactly (decision, deciding policy and rule, reason,
/// dry-run and audit matches). Slow on purpose; tests only.
/// </summary>
internal static class ReferenceEvaluator
{
    public static AuthzDecision Evaluate(PolicySet set, AuthzRequest request)
    {
        var view = new RequestView(request);
        var local = set.Sorted.Where(p => p.Namespace == request.DestinationNamespace).ToList();
        var root = request.DestinationNamespace == set.RootNamespace
            ? []
            : set.Sorted.Where(p => p.Namespace == set.RootNamespace).ToList();
        var labels = request.DestinationLabels;

        bool Enforced(CompiledPolicy p, PolicyAction action) => !p.DryRun && p.Action == action && p.Selects(labels);

        AuthzDecision decision;
        if ((First(local.Where(p => Enforced(p, PolicyAction.Deny)), view) ?? First(root.Where(p => Enforced(p, PolicyAction.Deny)), view)) is { } denied)
        {
            decision = denied.Decision;
        }
        else if ((First(local.Where(p => Enforced(p, PolicyAction.Allow)), view) ?? First(root.Where(p => Enforced(p, PolicyAction.Allow)), view)) is { } allowed)
        {
            decision = allowed.Decision;
        }
        else
        {
            var anyAllow = local.Concat(root).Any(p => Enforced(p, PolicyAction.Allow));
            decision = anyAllow
                ? new AuthzDecision(DecisionKind.Deny, null, null, "no ALLOW policy matched")
                : new AuthzDecision(DecisionKind.Allow, null, null, "no ALLOW policies apply to this workload");
        }

        var reported = local.Concat(root)
            .Where(p => (p.DryRun || p.Action == PolicyAction.Audit) && p.Selects(labels))
            .Select(p => (Policy: p, Rule: FirstRule(p, view)))
            .Where(x => x.Rule is not null)
            .ToList();
        return decision with
        {
            DryRunMatches = reported.Where(x => x.Policy.DryRun).Select(x => x.Rule!.Match).ToList(),
            AuditMatches = reported.Where(x => !x.Policy.DryRun).Select(x => x.Rule!.Match).ToList(),
        };
    }

    private static CompiledRuleVariants? First(IEnumerable<CompiledPolicy> policies, RequestView view) =>
        policies.Select(p => FirstRule(p, view)).FirstOrDefault(r => r is not null);

    private static CompiledRuleVariants? FirstRule(CompiledPolicy policy, RequestView view)
    {
        var http = view.Request.Protocol == AuthzProtocol.Http;
        return policy.Rules.FirstOrDefault(rule => (http ? rule.Http : rule.Tcp) is { } projected && projected.Matches(view));
    }
}
