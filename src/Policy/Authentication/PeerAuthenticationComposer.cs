namespace Mesh.Policy.Authentication;

/// <summary>
/// Istio's <c>ComposePeerAuthentication</c> (pilot/pkg/security/authn/policy_applier.go), I/O-free:
/// of the policies already known to apply to a workload, the mesh-level one (root namespace, no selector)
/// is overridden by the namespace-level one, which is overridden by the workload-level one (a selector);
/// UNSET inherits from the level above; with nothing set the default applies. Port-level modes exist only
/// on the workload policy, and an UNSET port inherits the workload's composed mode.
/// </summary>
internal static class PeerAuthenticationComposer
{
    /// <param name="applicable">Oldest first. Istio keeps the oldest policy per level; the loader refuses
    /// two policies at one level (files carry no creation time), so from files each level has at most one.</param>
    public static ComposedPeerAuthentication Compose(
        string rootNamespace, IEnumerable<PeerAuthenticationDefinition> applicable, MtlsMode fallback)
    {
        PeerAuthenticationDefinition? mesh = null, ns = null, workload = null;
        foreach (var policy in applicable)
        {
            if (!policy.IsWorkloadLevel)
            {
                if (policy.Namespace == rootNamespace)
                {
                    mesh ??= policy;
                }
                else
                {
                    ns ??= policy;
                }
            }
            else if (policy.Namespace != rootNamespace)
            {
                // Istio ignores selector policies in the root namespace; the loader refuses them outright.
                workload ??= policy;
            }
        }

        var decision = new MtlsDecision(fallback, null);
        decision = Override(decision, mesh);
        decision = Override(decision, ns);
        decision = Override(decision, workload);
        if (workload is null || workload.PortModes.Count == 0)
        {
            return new ComposedPeerAuthentication(decision, EmptyPorts);
        }

        var ports = new Dictionary<int, MtlsDecision>(workload.PortModes.Count);
        foreach (var (port, mode) in workload.PortModes)
        {
            ports[port] = mode is { } set ? new MtlsDecision(set, workload.FullName) : decision;
        }

        return new ComposedPeerAuthentication(decision, ports);
    }

    private static readonly IReadOnlyDictionary<int, MtlsDecision> EmptyPorts = new Dictionary<int, MtlsDecision>();

    private static MtlsDecision Override(MtlsDecision inherited, PeerAuthenticationDefinition? policy) =>
        policy?.Mode is { } mode ? new MtlsDecision(mode, policy.FullName) : inherited;
}
