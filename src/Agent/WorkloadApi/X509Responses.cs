using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Mesh.Agent.Identity;
using Mesh.Agent.WorkloadApi.Protocol;
using Mesh.Identity;

namespace Mesh.Agent.WorkloadApi;

/// <summary>Builds X.509 Workload API messages from credential snapshots: DER everywhere, as the X.509-SVID profile says.</summary>
internal static class X509Responses
{
    public static X509SVIDResponse Svids(IEnumerable<WorkloadCredentials> credentials)
    {
        var response = new X509SVIDResponse();
        foreach (var c in credentials)
        {
            response.Svids.Add(new X509SVID
            {
                SpiffeId = c.Id.ToString(),
                X509Svid = Chain(c.Svid),
                X509SvidKey = ByteString.CopyFrom(PrivateKey(c.Svid)),
                Bundle = BundleDer(c.Svid.Bundle),
            });
        }
        return response;
    }

    public static X509BundlesResponse Bundles(TrustBundle bundle)
    {
        var response = new X509BundlesResponse();
        response.Bundles.Add(bundle.TrustDomain.Id.ToString(), BundleDer(bundle));
        return response;
    }

    /// <summary>The roots concatenated, DER; also what streams compare to see whether the bundle changed.</summary>
    public static ByteString BundleDer(TrustBundle bundle) => ByteString.CopyFrom([.. bundle.Roots.SelectMany(r => r.RawData)]);

    private static ByteString Chain(IssuedSvid svid) =>
        ByteString.CopyFrom([.. svid.Leaf.RawData, .. svid.Intermediates.SelectMany(c => c.RawData)]);

    private static byte[] PrivateKey(IssuedSvid svid)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)svid.Leaf.GetECDsaPrivateKey() ?? svid.Leaf.GetRSAPrivateKey()
            ?? throw new InvalidOperationException($"SVID {svid.Id} has no ECDSA or RSA private key");
        return key.ExportPkcs8PrivateKey();
    }
}
