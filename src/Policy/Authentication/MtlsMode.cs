namespace Mesh.Policy;

/// <summary>
/// The effective mTLS mode for inbound traffic to one workload port (Istio's PeerAuthentication modes).
/// UNSET is not a mode a workload ends up with: it means "inherit" and is resolved away.
/// </summary>
public enum MtlsMode
{
    /// <summary>Accept mTLS and plaintext (Istio's default when no policy applies).</summary>
    Permissive,

    /// <summary>Accept mTLS only.</summary>
    Strict,

    /// <summary>Accept plaintext only (no mTLS tunnel).</summary>
    Disable,
}
