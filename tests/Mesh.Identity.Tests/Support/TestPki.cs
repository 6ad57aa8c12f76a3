using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests;

/// <summary>Builds certificates for validator tests, each knob a parameter so a test states what is odd.</summary>
internal static class TestPki
{
    internal static X509Certificate2 Root(string td, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN=Test Root {td}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(UriSans.Build(TrustDomain.Parse(td).Id, critical: false));
        return req.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));
    }

    internal static X509Certificate2 Leaf(
        X509Certificate2 issuer,
        string[] uris,
        bool isCa = false,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (uris.Length > 0)
        {
            // Raw IA5Strings, not System.Uri, so tests can put exactly the text they mean.
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                foreach (var uri in uris)
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
                }
            }

            req.CertificateExtensions.Add(new X509Extension(UriSans.SubjectAltNameOid, writer.Encode(), false));
        }

        var nb = notBefore ?? DateTimeOffset.UtcNow.AddHours(-1);
        var na = notAfter ?? DateTimeOffset.UtcNow.AddHours(1);
        return req.Create(issuer, nb, na, RandomNumberGenerator.GetBytes(8).Select((b, i) => i == 0 ? (byte)((b & 0x7F) | 1) : b).ToArray());
    }
}
