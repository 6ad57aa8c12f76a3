using Mesh.Policy.Authentication;

namespace Mesh.Policy.Loading;

/// <summary>
/// Checks across documents for the authentication kinds: duplicate names, and PeerAuthentication levels
/// that Istio would settle by creation time, which policy files do not carry.
/// </summary>
internal static class AuthnChecks
{
    public static void Report(AuthnDefinitions definitions, string rootNamespace, List<PolicyError> errors)
    {
        var peers = Distinct(definitions.Peer, p => p.FullName, p => p.Location, PeerAuthenticationReader.Kind, errors);
        Distinct(definitions.Request, r => r.FullName, r => r.Location, RequestAuthenticationReader.Kind, errors);
        ReportPeerLevels(peers, rootNamespace, errors);
    }

    /// <summary>Kubernetes keeps one object per kind, namespace and name; which one would depend on apply order.</summary>
    private static List<T> Distinct<T>(List<T> all, Func<T, string> name, Func<T, SourceLocation> at, string kind, List<PolicyError> errors)
    {
        var seen = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in all)
        {
            if (seen.TryGetValue(name(item), out var first))
            {
                Add(errors, at(item), $"duplicate {kind} {name(item)}; first defined at {at(first)}; rename or remove one");
            }
            else
            {
                seen.Add(name(item), item);
            }
        }

        return seen.Values.ToList();
    }

    /// <summary>
    /// Istio keeps the oldest of several mesh-, namespace- or workload-level PeerAuthentications for a workload
    /// (ComposePeerAuthentication). Files have no creation time, so the winner would be arbitrary: refuse instead.
    /// Workload selectors conflict when some workload could carry both sets of labels.
    /// </summary>
    private static void ReportPeerLevels(List<PeerAuthenticationDefinition> peers, string rootNamespace, List<PolicyError> errors)
    {
        foreach (var group in peers.GroupBy(p => p.Namespace, StringComparer.Ordinal))
        {
            var ns = group.Key;
            var wide = new List<PeerAuthenticationDefinition>();
            var workload = new List<PeerAuthenticationDefinition>();
            foreach (var policy in group.OrderBy(p => p.Location.File, StringComparer.Ordinal).ThenBy(p => p.Location.Line))
            {
                if (!policy.IsWorkloadLevel)
                {
                    if (wide.Count > 0)
                    {
                        var scope = ns == rootNamespace ? $"mesh-wide (root namespace '{ns}')" : $"namespace-wide in '{ns}'";
                        Add(errors, policy.Location,
                            $"PeerAuthentication {policy.FullName} and {wide[0].FullName} (at {wide[0].Location}) both apply {scope}; Istio would keep the older one, but policy files carry no creation time; merge them into one policy");
                    }

                    wide.Add(policy);
                    continue;
                }

                if (ns == rootNamespace)
                {
                    Add(errors, policy.SelectorLocation ?? policy.Location,
                        $"PeerAuthentication {policy.FullName} is in the root namespace '{rootNamespace}', so it is mesh-wide and must not have a selector (Istio ignores it); remove the selector, or move the policy to the workload's namespace");
                    continue;
                }

                var clash = workload.FirstOrDefault(w => LabelSelector.Overlap(w.MatchLabels!, policy.MatchLabels!));
                if (clash is not null)
                {
                    var both = new Dictionary<string, string>(clash.MatchLabels!, StringComparer.Ordinal);
                    foreach (var (key, value) in policy.MatchLabels!)
                    {
                        both[key] = value;
                    }

                    Add(errors, policy.SelectorLocation ?? policy.Location,
                        $"PeerAuthentication {policy.FullName} and {clash.FullName} (at {clash.Location}) can select the same workload (labels {LabelSelector.Describe(both)}); Istio would keep the older one, but policy files carry no creation time; make the selectors exclusive or merge the policies");
                }

                workload.Add(policy);
            }
        }
    }

    private static void Add(List<PolicyError> errors, SourceLocation at, string message) =>
        errors.Add(new PolicyError(at.File, at.Line, at.Column, message));
}
