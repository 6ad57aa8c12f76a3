using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The signing intermediate: the root signs only this, and this signs every leaf, so the root key
/// can stay cold and the intermediate can rotate without touching the trust bundle.
/// </summary>
internal static class IntermediateTemplate
{
    internal static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(365);

    internal static X509Certificate2 Create(PublicKey subjectKey, X509Certificate2 root, TrustDomain td,
        DateTimeOffset now, TimeSpan lifetime, byte[] serial, string generation)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName($"Mesh.Security Intermediate CA {generation}");
        subject.AddOrganizationName(td.Name);
        var request = new CertificateRequest(subject.Build(), subjectKey, HashAlgorithmName.SHA256);

        // X509-SVID.md 4.1/4.3: signing certificates MUST set cA and keyCertSign. pathLen 0: this
        // CA signs leaves only, so a stolen intermediate key cannot mint a further CA.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(subjectKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            root, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        // X509-SVID.md 3: "signing certificates ... MAY" carry a SPIFFE ID; the trust domain's own
        // ID (no path) is the only one that does not look like a workload.
        request.CertificateExtensions.Add(UriSans.Build(td.Id, critical: false));

        // Never outlive the root: a chain is only as valid as its shortest link.
        var rootNotBefore = new DateTimeOffset(root.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var rootNotAfter = new DateTimeOffset(root.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = Max(now - LeafLifetime.Backdate, rootNotBefore);
        var notAfter = Min(now + lifetime, rootNotAfter);
        return request.Create(root, notBefore, notAfter, serial);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
