using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>
/// The X.509 roots of one trust domain. SPIFFE Trust Domain and Bundle spec 3: "a trust bundle
/// ... contains the public key material ... for a single trust domain".
/// </summary>
public sealed class TrustBundle
{
    public TrustBundle(TrustDomain td, X509Certificate2Collection roots)
    {
        ArgumentNullException.ThrowIfNull(td);
        ArgumentNullException.ThrowIfNull(roots);
        TrustDomain = td;
        // A private copy: callers mutating their collection must not change what we trust.
        Roots = [.. roots];
    }

    public TrustDomain TrustDomain { get; }

    public X509Certificate2Collection Roots { get; }

    /// <summary>
    /// Parses concatenated PEM certificates. Empty text is an empty bundle (as go-spiffe
    /// x509bundle.Parse); text without any PEM block is an error.
    /// </summary>
    /// <exception cref="FormatException">The text is not PEM or a certificate does not decode.</exception>
    public static TrustBundle FromPem(TrustDomain td, string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (pem.Length > 0 && !CertificatePem.HasPemBlock(pem))
        {
            throw new FormatException("cannot parse certificate: no PEM blocks found");
        }

        return new TrustBundle(td, CertificatePem.ReadAll(pem));
    }

    public string ToPem() => string.Concat(Roots.Select(CertificatePem.Write));
}
