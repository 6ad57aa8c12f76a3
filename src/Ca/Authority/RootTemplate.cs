using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>The self-signed root of a trust domain. Pure apart from the key it is given.</summary>
internal static class RootTemplate
{
    internal static readonly TimeSpan Lifetime = TimeSpan.FromDays(3650);

    /// <param name="generation">Null for the first root; a label for rotated ones, so two roots in one bundle have different names.</param>
    internal static X509Certificate2 CreateSelfSigned(ECDsa key, TrustDomain td, DateTimeOffset now, byte[] serial, string? generation = null)
    {
        var subject = new X500DistinguishedNameBuilder();
        // The builder emits RDNs last-added first; this order encodes O then CN, the usual
        // least-to-most specific sequence (shown by openssl as "CN=..., O=..." in RFC 2253 form).
        subject.AddCommonName(generation is null ? "Mesh.Security Root CA" : $"Mesh.Security Root CA {generation}");
        subject.AddOrganizationName(td.Name);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);

        // X509-SVID.md 4.1/4.3: signing certificates MUST set cA and keyCertSign; RFC 5280
        // 4.2.1.9 wants basicConstraints critical on CA certs, which openssl -x509_strict checks.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        // X509-SVID.md 3: a signing certificate MAY carry the trust domain's own SPIFFE ID.
        request.CertificateExtensions.Add(UriSans.Build(td.Id, critical: false));

        var notBefore = now - LeafLifetime.Backdate;
        return request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), notBefore, notBefore + Lifetime, serial);
    }
}
