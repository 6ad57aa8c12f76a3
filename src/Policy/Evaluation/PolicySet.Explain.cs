using Mesh.Policy.Evaluation;

namespace Mesh.Policy;

public sealed partial class PolicySet
{
    /// <summary>
    /// The decision <see cref="Evaluate"/> gives, plus for every policy in scope and every rule which
    /// field matched or failed and why. For tools and people; allocates freely, never on the request path.
    /// </summary>
    public AuthzExplanation Explain(AuthzRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (local, root) = Scope(request);
        var view = new RequestView(request);
        var policies = local.All.Select(p => Explain(p, view, $"in the destination's namespace {p.Namespace}"))
            .Concat(root.All.Select(p => Explain(p, view, $"in the root namespace {p.Namespace}, mesh-wide")))
            .ToList();
        return new AuthzExplanation(Evaluate(request), request.Protocol, policies);
    }

    private static PolicyExplanation Explain(CompiledPolicy policy, RequestView view, string scope)
    {
        if (!policy.Selects(view.Request.DestinationLabels))
        {
            return new PolicyExplanation(policy.FullName, policy.Action, policy.DryRun, false,
                $"{scope}; its {policy.Selector} does not select this workload", []);
        }

        var http = view.Request.Protocol == AuthzProtocol.Http;
        var rules = policy.Rules.Select((rule, index) =>
        {
            var projected = http ? rule.Http : rule.Tcp;
            var matched = projected is not null && projected.Matches(view);
            var fields = (projected ?? rule.Http).Explain(view).ToList();
            return new RuleExplanation(index, matched, http ? null : rule.TcpNote, fields);
        }).ToList();
        var role = policy.DryRun ? "; dry-run: reported, never enforced" : policy.Action == PolicyAction.Audit ? "; AUDIT: reported, never decides" : "";
        return new PolicyExplanation(policy.FullName, policy.Action, policy.DryRun, true, $"{scope}; {policy.Selector}{role}", rules);
    }
}
