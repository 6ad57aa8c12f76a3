using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>A throwaway server certificate for HTTPS served inside the topology (clients use curl -k).</summary>
internal static class SelfSignedCertificate
{
    /// <summary>A self-signed ECDSA P-256 server certificate with its private key, valid for an hour, for <paramref name="dnsName"/>.</summary>
    public static X509Certificate2 Create(string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }
}
