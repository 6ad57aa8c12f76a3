namespace Mesh.Identity;

/// <summary>Where the CA is, which roots its server cert must chain to, and the node's bootstrap token.</summary>
public sealed record CaClientOptions(Uri Address, TrustBundle CaTrust, string BootstrapToken)
{
    /// <summary>When set, the CA's server cert must carry exactly this SPIFFE ID.</summary>
    public SpiffeId? ExpectedCaId { get; init; }

    /// <summary>Lifetime to ask for; null leaves it to the CA's default. The CA caps it.</summary>
    public TimeSpan? RequestedTtl { get; init; }

    /// <summary>Bound on each CA call, so a stalled CA cannot hang a refresh loop.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
