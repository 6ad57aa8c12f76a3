using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// One immutable snapshot of the CA's key material: what signs, the chain that goes with every
/// leaf, and the bundle relying parties trust. Swapped whole; never mutated.
/// </summary>
/// <param name="Signer">The signing CA certificate, with its private key.</param>
/// <param name="Chain">Signer first, then any further intermediates, the root last: what follows the leaf in a response.</param>
/// <param name="Bundle">Every root currently trusted (two during a root rotation).</param>
/// <param name="RotationState">"idle", "plugin", or "&lt;kind&gt;:&lt;phase&gt;".</param>
internal sealed record CaKeys(X509Certificate2 Signer, X509Certificate2Collection Chain, TrustBundle Bundle, string RotationState)
{
    /// <summary>The chain without the self-signed root(s), which peers take from the bundle instead.</summary>
    internal IEnumerable<X509Certificate2> Intermediates => Chain.Where(c => !IsSelfIssued(c));

    internal static bool IsSelfIssued(X509Certificate2 cert) => cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData);
}
