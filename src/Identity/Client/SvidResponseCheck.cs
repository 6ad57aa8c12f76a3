using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.CaApi;

namespace Mesh.Identity;

/// <summary>
/// Checks what the CA returned before anyone uses it: the chain verifies against the trust we
/// were configured with (not the bundle the CA just sent), the leaf has the SVID profile, carries
/// the ID asked for, and certifies our key.
/// </summary>
internal static class SvidResponseCheck
{
    internal static (X509Certificate2 Leaf, X509Certificate2Collection Intermediates, TrustBundle Bundle) Check(
        CreateCertificateResponse response, SpiffeId requested, byte[] ourPublicKey, TrustBundle caTrust, DateTimeOffset now)
    {
        if (response.CertChain.Count == 0)
        {
            throw new CaClientException("CA returned an empty certificate chain");
        }

        X509Certificate2Collection chain;
        TrustBundle bundle;
        try
        {
            chain = CertificatePem.ReadAll(string.Concat(response.CertChain));
            bundle = response.TrustBundle.Count == 0
                ? caTrust
                : TrustBundle.FromPem(requested.TrustDomain, string.Concat(response.TrustBundle));
        }
        catch (FormatException ex)
        {
            throw new CaClientException($"CA returned unparsable certificates: {ex.Message}", ex);
        }

        if (chain.Count == 0)
        {
            throw new CaClientException("CA returned no certificate in cert_chain");
        }

        var leaf = chain[0];
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            // The CA ends the chain with its root. Trust comes from our bundle, never from a root
            // the server sent, and a root sent on in TLS is wasted bytes, so drop self-issued certs.
            if (!chain[i].SubjectName.RawData.AsSpan().SequenceEqual(chain[i].IssuerName.RawData))
            {
                intermediates.Add(chain[i]);
            }
        }

        var verdict = SvidValidator.VerifyPeer(leaf, intermediates, caTrust, now);
        if (!verdict.Ok)
        {
            throw new CaClientException($"CA returned an SVID that does not verify: {verdict.Failure}");
        }

        if (verdict.Id != requested)
        {
            throw new CaClientException($"CA returned an SVID for {verdict.Id}, asked for {requested}");
        }

        if (!leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ourPublicKey))
        {
            throw new CaClientException("CA returned an SVID for a different public key than the one in our CSR");
        }

        return (leaf, intermediates, bundle);
    }
}
