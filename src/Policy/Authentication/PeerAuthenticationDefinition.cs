using Mesh.Policy.Loading;

namespace Mesh.Policy.Authentication;

/// <summary>One validated PeerAuthentication, as written. A null mode is UNSET: inherit from the parent level.</summary>
/// <param name="MatchLabels">Null when the policy has no selector or an empty matchLabels (namespace- or mesh-wide).</param>
/// <param name="PortModes">portLevelMtls: workload port -> mode (null = UNSET, inherit the workload's mode).</param>
/// <param name="SelectorLocation">Where the selector was written, for errors about it; null without a selector.</param>
internal sealed record PeerAuthenticationDefinition(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string>? MatchLabels,
    MtlsMode? Mode,
    IReadOnlyDictionary<int, MtlsMode?> PortModes,
    SourceLocation Location,
    SourceLocation? SelectorLocation)
{
    public string FullName => $"{Namespace}/{Name}";

    /// <summary>Istio: "a policy with no selector OR an empty matchLabels is namespace-level (mesh-level in the root namespace)".</summary>
    public bool IsWorkloadLevel => !LabelSelector.IsEmpty(MatchLabels);
}
