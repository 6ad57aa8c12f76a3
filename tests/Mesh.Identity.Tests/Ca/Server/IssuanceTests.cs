using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Issuance over real gRPC on real TLS 1.3, checked by our validator and by openssl.</summary>
public sealed class IssuanceTests(SharedCa shared) : IClassFixture<SharedCa>
{
    private CaHarness Ca => shared.Ca;

    [Fact]
    public async Task Issued_svid_satisfies_profile_and_openssl_x509_strict()
    {
        using var client = Ca.Client();
        var before = DateTimeOffset.UtcNow;

        var svid = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        Assert.Equal(CaHarness.Frontend, svid.Id);
        Assert.True(svid.Leaf.HasPrivateKey);
        Assert.Empty(SvidValidator.CheckLeafProfile(svid.Leaf));
        Assert.Empty(svid.Leaf.SubjectName.RawData.Skip(2));
        Assert.InRange(svid.NotBefore, before.AddSeconds(-62), before.AddSeconds(-58));
        Assert.InRange(svid.NotAfter, before.AddHours(1).AddSeconds(-2), before.AddHours(1).AddSeconds(2));
        var serial = svid.Leaf.SerialNumberBytes.ToArray();
        Assert.Equal(16, serial.Length);
        Assert.True(serial[0] is > 0 and < 0x80, "serial must be positive with a minimal 16-byte encoding"); // big-endian
        var aki = svid.Leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        var intermediate = Assert.Single(svid.Intermediates);
        var intermediateSki = intermediate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(intermediateSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.Equal(Ca.Server.Bundle.Roots[0].Thumbprint, svid.Bundle.Roots[0].Thumbprint);

        using var dir = new TempDir();
        File.WriteAllText(dir.File("leaf.pem"), svid.Leaf.ExportCertificatePem());
        File.WriteAllText(dir.File("intermediate.pem"), intermediate.ExportCertificatePem());
        var (exit, output) = Openssl.Run("verify", "-x509_strict", "-CAfile", Ca.Server.RootCertPath, "-untrusted", dir.File("intermediate.pem"), dir.File("leaf.pem"));
        Assert.True(exit == 0, output);

        var (rootExit, rootOutput) = Openssl.Run("verify", "-x509_strict", "-CAfile", Ca.Server.RootCertPath, Ca.Server.RootCertPath);
        Assert.True(rootExit == 0, rootOutput);

        var audit = Ca.AuditLines().Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("serial").GetString() == svid.Leaf.SerialNumber);
        Assert.Equal("issued", audit.GetProperty("result").GetString());
        Assert.Equal("node-a", audit.GetProperty("node").GetString());
        Assert.Equal("node-certificate", audit.GetProperty("auth_method").GetString());
        Assert.Equal(CaHarness.NodeA.ToString(), audit.GetProperty("caller").GetString());
        Assert.Equal(CaHarness.Frontend.ToString(), audit.GetProperty("granted_identity").GetString());
        Assert.StartsWith("127.0.0.1:", audit.GetProperty("peer").GetString(), StringComparison.Ordinal);
        Assert.Equal(CaHarness.Frontend.ToString(), audit.GetProperty("requested_identity").GetString());
        Assert.Equal(64, audit.GetProperty("public_key_sha256").GetString()!.Length);
        Assert.Equal(JsonValueKind.String, audit.GetProperty("not_after").ValueKind);
    }

    [Fact]
    public async Task Issued_svid_works_for_mutual_tls_with_SslStream()
    {
        using var client = Ca.Client();
        var svid = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        var (serverSaw, clientSaw) = await MutualTls.HandshakeAsync(svid, svid);

        Assert.Equal(CaHarness.Frontend, serverSaw);
        Assert.Equal(CaHarness.Frontend, clientSaw);
    }

    [Fact]
    public async Task Requested_ttl_is_capped_at_MaxTtl()
    {
        using var client = Ca.Client(requestedTtl: TimeSpan.FromDays(30));
        var svid = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        Assert.InRange(svid.NotAfter - DateTimeOffset.UtcNow, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(10), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task Csr_contributes_only_its_public_key()
    {
        var csr = Csrs.Greedy(out var key, CaHarness.Frontend);
        using (key)
        {
            var response = await Ca.RawCallAsync(csr, CaHarness.Frontend.ToString(), null, asNode: true);

            using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
            Assert.Equal(string.Empty, leaf.Subject);
            Assert.True(SvidValidator.TryGetSpiffeId(leaf, out var id, out _));
            Assert.Equal(CaHarness.Frontend, id);
            Assert.Empty(SvidValidator.CheckLeafProfile(leaf));
            var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Empty(san.EnumerateDnsNames());
            Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            Assert.Equal(X509KeyUsageFlags.DigitalSignature, leaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        }
    }
}
