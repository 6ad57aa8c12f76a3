using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>The handful of extension facts the SVID profile rules look at, read once.</summary>
internal sealed record X509Facts(
    bool IsCa,
    bool HasBasicConstraints,
    X509KeyUsageFlags? KeyUsage,
    bool KeyUsageCritical,
    IReadOnlyList<string>? ExtendedKeyUsages,
    bool SubjectEmpty,
    bool SanCritical)
{
    internal const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    internal static X509Facts Of(X509Certificate2 cert)
    {
        var bc = cert.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        var ku = cert.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var san = cert.Extensions.FirstOrDefault(e => e.Oid?.Value == UriSans.SubjectAltNameOid);
        return new X509Facts(
            IsCa: bc?.CertificateAuthority ?? false,
            HasBasicConstraints: bc is not null,
            KeyUsage: ku?.KeyUsages,
            KeyUsageCritical: ku?.Critical ?? false,
            ExtendedKeyUsages: eku?.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value ?? string.Empty).ToList(),
            SubjectEmpty: cert.SubjectName.RawData.Length <= 2,
            SanCritical: san?.Critical ?? false);
    }
}
