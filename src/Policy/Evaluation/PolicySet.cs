using System.Collections.Frozen;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Loading;

namespace Mesh.Policy;

/// <summary>
/// An immutable, compiled snapshot of every loaded AuthorizationPolicy. Thread-safe: nothing in it
/// changes after construction, so a reload builds a new set and swaps the reference.
/// </summary>
public sealed class PolicySet
{
    private static readonly AuthzDecision NoAllowPolicies =
        new(DecisionKind.Allow, null, null, "no ALLOW policies apply to this workload");

    private static readonly AuthzDecision NoAllowMatched =
        new(DecisionKind.Deny, null, null, "no ALLOW policy matched");

    private static readonly NamespacePolicies None = new([], []);

    private readonly FrozenDictionary<string, NamespacePolicies> byNamespace;
    private readonly string rootNamespace;

    internal PolicySet(IEnumerable<CompiledPolicy> policies, string rootNamespace)
    {
        // Sorted by name so that, when several policies match, the one reported is stable across reloads.
        var all = policies.OrderBy(p => p.FullName, StringComparer.Ordinal).ToArray();
        Count = all.Length;
        this.rootNamespace = rootNamespace;
        byNamespace = all
            .GroupBy(p => p.Namespace, StringComparer.Ordinal)
            .ToFrozenDictionary(
                g => g.Key,
                g => new NamespacePolicies(
                    g.Where(p => p.Action == PolicyAction.Deny).ToArray(),
                    g.Where(p => p.Action == PolicyAction.Allow).ToArray()),
                StringComparer.Ordinal);
    }

    public static PolicySet Empty { get; } = new([], new PolicyLoaderOptions().RootNamespace);

    public int Count { get; }

    /// <summary>Which policy files this set was loaded from (<see cref="PolicySetDigest"/>); decision records carry it.</summary>
    public string Digest { get; internal init; } = PolicySetDigest.Empty;

    /// <summary>
    /// Istio's order (istio.io/latest/docs/concepts/security/#implicit-enablement):
    /// "1. If there are any DENY policies that match the request, deny the request.
    ///  2. If there are no ALLOW policies for the workload, allow the request.
    ///  3. If any of the ALLOW policies match the request, allow the request.
    ///  4. Deny the request."
    /// CUSTOM and AUDIT are rejected at load, so they have no step here.
    /// </summary>
    public AuthzDecision Evaluate(AuthzRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var local = byNamespace.GetValueOrDefault(request.DestinationNamespace, None);
        var root = request.DestinationNamespace == rootNamespace ? None : byNamespace.GetValueOrDefault(rootNamespace, None);
        var protocol = request.Protocol;
        var attributes = protocol == AuthzProtocol.Http
            ? new RequestAttributes(request.SourcePrincipal, request.DestinationPort, request.Method, RequestPath.Normalize(request.Path))
            : new RequestAttributes(request.SourcePrincipal, request.DestinationPort, null, null);
        var labels = request.DestinationLabels;

        var denied = FirstMatch(local.Deny, labels, protocol, attributes, out _)
            ?? FirstMatch(root.Deny, labels, protocol, attributes, out _);
        if (denied is not null)
        {
            return denied;
        }

        var allowed = FirstMatch(local.Allow, labels, protocol, attributes, out var localApplies);
        if (allowed is not null)
        {
            return allowed;
        }

        allowed = FirstMatch(root.Allow, labels, protocol, attributes, out var rootApplies);
        if (allowed is not null)
        {
            return allowed;
        }

        return localApplies || rootApplies ? NoAllowMatched : NoAllowPolicies;
    }

    private static AuthzDecision? FirstMatch(
        CompiledPolicy[] policies,
        IReadOnlyDictionary<string, string> labels,
        AuthzProtocol protocol,
        in RequestAttributes attributes,
        out bool anyApplies)
    {
        anyApplies = false;
        foreach (var policy in policies)
        {
            if (!policy.Selects(labels))
            {
                continue;
            }

            anyApplies = true;
            var decision = policy.FirstMatch(protocol, attributes);
            if (decision is not null)
            {
                return decision;
            }
        }

        return null;
    }

    private sealed record NamespacePolicies(CompiledPolicy[] Deny, CompiledPolicy[] Allow);
}
