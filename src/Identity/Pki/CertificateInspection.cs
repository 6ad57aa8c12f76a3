using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>The SPIFFE X509-SVID profile checks, for tools that inspect certificates (`mesh cert inspect`).</summary>
public static class CertificateInspection
{
    /// <summary>Every X509-SVID rule a signing (CA) certificate breaks; empty when none.</summary>
    public static IReadOnlyList<string> CheckSigningProfile(X509Certificate2 cert)
    {
        ArgumentNullException.ThrowIfNull(cert);
        return SvidProfile.CheckSigning(X509Facts.Of(cert));
    }

    /// <summary>True when the certificate says it is a CA (basicConstraints cA=true).</summary>
    public static bool IsCa(X509Certificate2 cert)
    {
        ArgumentNullException.ThrowIfNull(cert);
        return X509Facts.Of(cert).IsCa;
    }

    /// <summary>Reads every certificate of a PEM text. </summary>
    /// <exception cref="FormatException">A certificate block does not decode.</exception>
    public static X509Certificate2Collection ReadPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        return CertificatePem.ReadAll(pem);
    }
}
