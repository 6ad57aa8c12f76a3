using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Mesh.Identity.CaApi;

namespace Mesh.Ca;

/// <summary>Response messages built from values; the gRPC service only picks which.</summary>
internal static class CaResponses
{
    /// <summary>Leaf first, then the intermediate(s), the root last (RFC 8446 4.4.2 order, which agents send on as is).</summary>
    internal static CreateCertificateResponse Issued(X509Certificate2 leaf, X509Certificate2Collection chain, TrustBundle bundle)
    {
        var response = new CreateCertificateResponse();
        response.CertChain.Add(CertificatePem.Write(leaf));
        response.CertChain.AddRange(chain.Select(CertificatePem.Write));
        response.TrustBundle.AddRange(bundle.Roots.Select(CertificatePem.Write));
        return response;
    }

    internal static GetTrustBundleResponse TrustBundle(CaKeys keys)
    {
        var response = new GetTrustBundleResponse { RotationState = keys.RotationState };
        response.TrustBundle.AddRange(keys.Bundle.Roots.Select(CertificatePem.Write));
        return response;
    }
}
