using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The X.509-SVID leaf template: identity and lifetime come from the CA, only the public key
/// from the caller. Pure: returns a request ready to be signed.
/// </summary>
internal static class LeafTemplate
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    internal static CertificateRequest Build(PublicKey subjectKey, SpiffeId id, X509Certificate2 issuer)
    {
        // Empty subject: X509-SVID.md 2 says the subject is not used for identity, so we put
        // nothing a relying party could mistake for one. RFC 5280 4.1.2.6 then requires the SAN
        // to be critical.
        var request = new CertificateRequest(new X500DistinguishedName(string.Empty), subjectKey, HashAlgorithmName.SHA256);

        // X509-SVID.md 4.1: "leaf certificates MUST set the cA field to false".
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));

        // X509-SVID.md 4.3: digitalSignature MUST be set; keyCertSign and cRLSign MUST NOT.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));

        // X509-SVID.md 4.4: when EKU is present, serverAuth and clientAuth MUST both be set.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(ServerAuthOid), new Oid(ClientAuthOid)], critical: false));

        // X509-SVID.md 2: "An X.509 SVID MUST contain exactly one URI SAN".
        request.CertificateExtensions.Add(UriSans.Build(id, critical: true));

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(subjectKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        return request;
    }
}
