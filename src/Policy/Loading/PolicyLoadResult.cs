namespace Mesh.Policy;

/// <summary>
/// Either complete policy sets (authorization, peer and request authentication) or the full list of errors. <see cref="Policies"/> is null whenever
/// there is any error: a half-loaded set would enforce less than the security team wrote.
/// </summary>
public sealed record PolicyLoadResult(PolicySet? Policies, IReadOnlyList<PolicyError> Errors)
{
    public bool Ok => Errors.Count == 0;

    /// <summary>Every PeerAuthentication; null whenever <see cref="Policies"/> is.</summary>
    public PeerAuthenticationSet? PeerAuthentications { get; init; }

    /// <summary>Every RequestAuthentication; null whenever <see cref="Policies"/> is.</summary>
    public RequestAuthenticationSet? RequestAuthentications { get; init; }
}
