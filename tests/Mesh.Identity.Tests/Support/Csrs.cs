using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests;

/// <summary>Hand-made CSRs, including hostile ones.</summary>
internal static class Csrs
{
    internal static string Ec(out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    /// <summary>Asks for a subject and CA powers the CA must ignore; its one SAN is the requested ID.</summary>
    internal static string Greedy(out ECDsa key, SpiffeId requested)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=admin, O=Evil Corp", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(UriSans.Build(requested, critical: false));
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return req.CreateSigningRequestPem();
    }

    /// <summary>A P-256 CSR whose subjectAltName holds exactly <paramref name="build"/>'s names.</summary>
    internal static string WithSans(Action<SubjectAlternativeNameBuilder> build)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        build(san);
        req.CertificateExtensions.Add(san.Build());
        return req.CreateSigningRequestPem();
    }

    /// <summary>A P-256 CSR whose subjectAltName holds these URIs, written as given (System.Uri would rewrite them).</summary>
    internal static string WithUriSans(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var uri in uris)
            {
                writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uri, new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6));
            }
        }

        req.CertificateExtensions.Add(new X509Extension(UriSans.SubjectAltNameOid, writer.Encode(), false));
        return req.CreateSigningRequestPem();
    }

    internal static string EcCurve(ECCurve curve, HashAlgorithmName hash)
    {
        using var key = ECDsa.Create(curve);
        return new CertificateRequest("CN=x", key, hash).CreateSigningRequestPem();
    }

    /// <summary>A P-256 request whose public point is not on the curve (its self-signature is over that).</summary>
    internal static string PointOffCurve()
    {
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = signer.ExportSubjectPublicKeyInfo();
        spki[^1] ^= 0x01; // last byte of Y
        var request = new CertificateRequest(new X500DistinguishedName(""), PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _), HashAlgorithmName.SHA256);
        return PemEncoding.WriteString("CERTIFICATE REQUEST", request.CreateSigningRequest(X509SignatureGenerator.CreateForECDsa(signer)));
    }

    internal static string Rsa(int bits)
    {
        using var key = RSA.Create(bits);
        return new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
    }

    /// <summary>A well-formed CSR whose self-signature no longer matches its contents.</summary>
    internal static string BadSignature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        // Flip a bit inside the subject's CN value ("x"), leaving the structure and signature intact.
        // The CN is the first string of length 1 holding "x"; searching for a bare 0x78 byte could
        // land in the key or the signature instead.
        var index = Enumerable.Range(0, der.Length - 2)
            .First(i => der[i] is 0x0C or 0x13 && der[i + 1] == 0x01 && der[i + 2] == (byte)'x') + 2;
        der[index] ^= 0x01;
        return PemEncoding.WriteString("CERTIFICATE REQUEST", der);
    }
}
