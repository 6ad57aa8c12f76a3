using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>An X.509-SVID as handed to a workload: leaf with its private key, intermediates, and the bundle.</summary>
public sealed record IssuedSvid(SpiffeId Id, X509Certificate2 Leaf, X509Certificate2Collection Intermediates, TrustBundle Bundle)
{
    public DateTimeOffset NotBefore => new(Leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero);

    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
}
