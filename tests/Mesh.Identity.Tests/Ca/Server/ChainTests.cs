using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests.Ca;

/// <summary>What a response carries: leaf, intermediate, root last; and the intermediate's own profile.</summary>
public sealed class ChainTests(SharedCa shared) : IClassFixture<SharedCa>
{
    private CaHarness Ca => shared.Ca;

    [Fact]
    public async Task Response_chain_is_leaf_then_intermediate_then_root_and_openssl_verifies_it()
    {
        var csr = Csrs.Ec(out var key);
        key.Dispose();

        var response = await Ca.RawCallAsync(csr, CaHarness.Frontend.ToString(), null, asNode: true);

        Assert.Equal(3, response.CertChain.Count);
        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
        using var intermediate = X509Certificate2.CreateFromPem(response.CertChain[1]);
        using var root = X509Certificate2.CreateFromPem(response.CertChain[2]);
        Assert.Equal(Ca.Server.Bundle.Roots[0].Thumbprint, root.Thumbprint);
        Assert.Equal(intermediate.Subject, leaf.Issuer);
        Assert.Equal(root.Subject, intermediate.Issuer);
        Assert.Equal(Ski(intermediate), Aki(leaf));
        Assert.Equal(Ski(root), Aki(intermediate));
        Assert.Equal(Ca.Server.Bundle.ToPem(), string.Concat(response.TrustBundle));

        using var dir = new TempDir();
        File.WriteAllText(dir.File("leaf.pem"), response.CertChain[0]);
        File.WriteAllText(dir.File("intermediate.pem"), response.CertChain[1]);
        File.WriteAllText(dir.File("root.pem"), response.CertChain[2]);
        var (exit, output) = Openssl.Run("verify", "-x509_strict", "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("intermediate.pem"), dir.File("leaf.pem"));
        Assert.True(exit == 0, output);

        // Without the intermediate the leaf does not verify: the root no longer signs leaves.
        var (aloneExit, _) = Openssl.Run("verify", "-x509_strict", "-CAfile", dir.File("root.pem"), dir.File("leaf.pem"));
        Assert.NotEqual(0, aloneExit);
    }

    [Fact]
    public async Task Intermediate_has_the_signing_profile()
    {
        using var client = Ca.Client();
        var svid = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        var intermediate = Assert.Single(svid.Intermediates);
        var bc = intermediate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(bc is { CertificateAuthority: true, HasPathLengthConstraint: true, PathLengthConstraint: 0, Critical: true });
        var ku = intermediate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(ku.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ku.KeyUsages);
        Assert.True(SvidValidator.TryGetSpiffeId(intermediate, out var id, out _));
        Assert.Equal(CaHarness.Td.Id, id);
        Assert.Empty(SvidProfile.CheckSigning(X509Facts.Of(intermediate)));
        Assert.InRange(intermediate.NotAfter - intermediate.NotBefore, TimeSpan.FromDays(364.9), TimeSpan.FromDays(365.1));
        Assert.Equal("ECC", intermediate.PublicKey.Oid.FriendlyName);
        Assert.True(svid.Leaf.NotAfter <= intermediate.NotAfter);
    }

    [Fact]
    public async Task Ca_server_certificate_is_issued_by_the_intermediate_and_GetTrustBundle_is_public()
    {
        // A client with a token nobody granted can still read the bundle: it is public.
        using var client = Ca.TokenClient("not-a-token");

        var (bundle, state) = await client.GetTrustBundleAsync(CancellationToken.None);

        Assert.Equal("idle", state);
        Assert.Equal(Ca.Server.Bundle.ToPem(), bundle.ToPem());
        Assert.Equal(Ca.Server.Keyring.Current.Signer.Subject, Ca.Server.ServerCertificate.Issuer);
    }

    private static byte[] Ski(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray();

    private static byte[] Aki(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single().KeyIdentifier!.Value.ToArray();
}
