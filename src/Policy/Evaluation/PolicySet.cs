using System.Collections.Frozen;
using Mesh.Policy.Evaluation;

namespace Mesh.Policy;

/// <summary>
/// An immutable, compiled snapshot of every loaded AuthorizationPolicy. Thread-safe: nothing in it
/// changes after construction, so a reload builds a new set and swaps the reference.
/// </summary>
public sealed partial class PolicySet
{
    private static readonly AuthzDecision NoAllowPolicies =
        new(DecisionKind.Allow, null, null, "no ALLOW policies apply to this workload");

    private static readonly AuthzDecision NoAllowMatched =
        new(DecisionKind.Deny, null, null, "no ALLOW policy matched");

    private static readonly NamespacePolicies None = new([]);

    private readonly FrozenDictionary<string, NamespacePolicies> byNamespace;
    private readonly string rootNamespace;

    internal PolicySet(IEnumerable<CompiledPolicy> policies, string rootNamespace)
    {
        // Sorted by name so that, when several policies match, the one reported is stable across reloads.
        var all = policies.OrderBy(p => p.FullName, StringComparer.Ordinal).ToArray();
        Count = all.Length;
        Sorted = all;
        this.rootNamespace = rootNamespace;
        byNamespace = all
            .GroupBy(p => p.Namespace, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => new NamespacePolicies(g.ToArray()), StringComparer.Ordinal);
    }

    public static PolicySet Empty { get; } = new([], new PolicyLoaderOptions().RootNamespace);

    public int Count { get; }

    /// <summary>Every policy, in the order evaluation visits them (by full name). For tests' reference evaluator.</summary>
    internal IReadOnlyList<CompiledPolicy> Sorted { get; }

    internal string RootNamespace => rootNamespace;

    /// <summary>Which policy files this set was loaded from (<see cref="PolicySetDigest"/>); decision records carry it.</summary>
    public string Digest { get; internal init; } = PolicySetDigest.Empty;

    /// <summary>
    /// Istio's order (istio.io/latest/docs/concepts/security/#implicit-enablement), after CUSTOM, which is refused at load:
    /// "1. If there are any DENY policies that match the request, deny the request.
    ///  2. If there are no ALLOW policies for the workload, allow the request.
    ///  3. If any of the ALLOW policies match the request, allow the request.
    ///  4. Deny the request."
    /// AUDIT and dry-run policies are evaluated only to be reported; they never change the decision. Policies
    /// of the destination's namespace and of the root namespace apply, each if its selector picks the workload.
    /// Allocates nothing unless an AUDIT or dry-run policy matches.
    /// </summary>
    public AuthzDecision Evaluate(AuthzRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (local, root) = Scope(request);
        var view = new RequestView(request);
        var decision = Decide(local, root, view);
        return local.Reported.Length == 0 && root.Reported.Length == 0 ? decision : WithReports(decision, local, root, view);
    }

    private (NamespacePolicies Local, NamespacePolicies Root) Scope(AuthzRequest request) => (
        byNamespace.GetValueOrDefault(request.DestinationNamespace, None),
        request.DestinationNamespace == rootNamespace ? None : byNamespace.GetValueOrDefault(rootNamespace, None));

    private static AuthzDecision Decide(NamespacePolicies local, NamespacePolicies root, in RequestView view)
    {
        var denied = FirstMatch(local.Deny, view, out _) ?? FirstMatch(root.Deny, view, out _);
        if (denied is not null)
        {
            return denied.Decision;
        }

        var allowed = FirstMatch(local.Allow, view, out var localApplies);
        if (allowed is not null)
        {
            return allowed.Decision;
        }

        allowed = FirstMatch(root.Allow, view, out var rootApplies);
        if (allowed is not null)
        {
            return allowed.Decision;
        }

        return localApplies || rootApplies ? NoAllowMatched : NoAllowPolicies;
    }

    private static AuthzDecision WithReports(AuthzDecision decision, NamespacePolicies local, NamespacePolicies root, in RequestView view)
    {
        List<PolicyMatch>? dryRun = null;
        List<PolicyMatch>? audit = null;
        Report(local.Reported, view, ref dryRun, ref audit);
        Report(root.Reported, view, ref dryRun, ref audit);
        return dryRun is null && audit is null
            ? decision
            : decision with { DryRunMatches = dryRun ?? [], AuditMatches = audit ?? [] };
    }

    private static void Report(SelectorIndex policies, in RequestView view, ref List<PolicyMatch>? dryRun, ref List<PolicyMatch>? audit)
    {
        foreach (var policy in policies.For(view.Request.DestinationLabels))
        {
            if (policy.FirstMatch(view) is { } rule)
            {
                (policy.DryRun ? dryRun ??= [] : audit ??= []).Add(rule.Match);
            }
        }
    }

    /// <summary>The first rule, in policy order then rule order, of the policies that select the workload.</summary>
    private static CompiledRuleVariants? FirstMatch(SelectorIndex policies, in RequestView view, out bool anyApplies)
    {
        anyApplies = false;
        foreach (var policy in policies.For(view.Request.DestinationLabels))
        {
            anyApplies = true;
            if (policy.FirstMatch(view) is { } rule)
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>The policies of one namespace, split by the role they play in evaluation, each indexed by selector.</summary>
    private sealed class NamespacePolicies(CompiledPolicy[] all)
    {
        public CompiledPolicy[] All { get; } = all;

        public SelectorIndex Deny { get; } = new(all.Where(p => !p.DryRun && p.Action == PolicyAction.Deny).ToArray());

        public SelectorIndex Allow { get; } = new(all.Where(p => !p.DryRun && p.Action == PolicyAction.Allow).ToArray());

        /// <summary>AUDIT and dry-run policies: evaluated only to be reported.</summary>
        public SelectorIndex Reported { get; } = new(all.Where(p => p.DryRun || p.Action == PolicyAction.Audit).ToArray());
    }
}
