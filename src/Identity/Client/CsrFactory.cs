using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity;

/// <summary>PKCS#10 requests for a workload key. The CA takes only the key; the SAN is a courtesy for humans reading logs.</summary>
internal static class CsrFactory
{
    internal static string Create(ECDsa key, SpiffeId id)
    {
        var request = new CertificateRequest(new X500DistinguishedName(string.Empty), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(UriSans.Build(id, critical: true));
        return request.CreateSigningRequestPem();
    }
}
