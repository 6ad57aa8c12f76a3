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

    /// <summary>Asks for a subject, extra SANs and CA powers the CA must ignore.</summary>
    internal static string Greedy(out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=admin, O=Evil Corp", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("ca.cluster.local");
        san.AddUri(new Uri("spiffe://cluster.local/ns/mesh-system/sa/mesh-ca"));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return req.CreateSigningRequestPem();
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
        var index = Array.LastIndexOf(der, (byte)'x');
        der[index] ^= 0x01;
        return PemEncoding.WriteString("CERTIFICATE REQUEST", der);
    }
}
