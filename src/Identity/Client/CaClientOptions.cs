using System.Net.Security;

namespace Mesh.Identity;

/// <summary>
/// Where the CA is and which roots its server cert must chain to, and how this caller authenticates: a node
/// certificate (TLS client auth, every request after the first) or a bearer token (a join token or a Kubernetes
/// service-account token, exchanged once for the node certificate).
/// </summary>
public sealed record CaClientOptions(Uri Address, TrustBundle CaTrust)
{
    /// <summary>
    /// When set, read at every use instead of <see cref="CaTrust"/>: a long-lived client then follows root rotations
    /// (the CA's own certificate moves to the new root when it activates).
    /// </summary>
    public Func<TrustBundle>? CaTrustSource { get; init; }

    internal TrustBundle CurrentCaTrust => CaTrustSource?.Invoke() ?? CaTrust;

    /// <summary>The node's SVID and key, presented as TLS client certificate.</summary>
    public SslStreamCertificateContext? ClientCertificate { get; init; }

    /// <summary>Sent as <c>authorization: Bearer</c> when set.</summary>
    public string? BearerToken { get; init; }

    /// <summary>When set, the CA's server cert must carry exactly this SPIFFE ID.</summary>
    public SpiffeId? ExpectedCaId { get; init; }

    /// <summary>Lifetime to ask for; null leaves it to the CA's default. The CA caps it.</summary>
    public TimeSpan? RequestedTtl { get; init; }

    /// <summary>Bound on each CA call, so a stalled CA cannot hang a refresh loop.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
