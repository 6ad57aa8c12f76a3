namespace Mesh.Policy;

/// <summary>The mTLS mode for one workload port and which PeerAuthentication decided it.</summary>
/// <param name="Policy">
/// <c>namespace/name</c> of the PeerAuthentication whose mode applies; null when no policy set a mode
/// and the agent's default decided.
/// </param>
public readonly record struct MtlsDecision(MtlsMode Mode, string? Policy);
