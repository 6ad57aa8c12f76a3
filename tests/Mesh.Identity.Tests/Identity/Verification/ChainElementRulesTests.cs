using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests.Verification;

/// <summary>
/// The RFC 5280 path rules ChainVerifier adds on top of the platform's chain engine, each on a
/// chain that is otherwise a good SVID path (x509-limbo covers them too, when ../shared is present).
/// </summary>
public sealed class ChainElementRulesTests
{
    private const string Workload = "spiffe://example.org/ns/demo/sa/web";

    public static TheoryData<string, string?> Roots => new()
    {
        { "good root", null },
        { "root without subjectKeyIdentifier", "CA certificate has no subjectKeyIdentifier" },
        { "root with non-critical basicConstraints", "basicConstraints is not critical" },
        { "root with RSA-1024 key", "certificate RSA key is 1024 bits" },
        { "root with empty nameConstraints", "nameConstraints names neither permitted nor excluded subtrees" },
    };

    [Theory]
    [MemberData(nameof(Roots))]
    public void Signing_certificates_follow_RFC_5280(string scenario, string? expected)
    {
        using var root = MakeRoot(scenario);
        using var leaf = LeafOf(root);

        var result = SvidValidator.VerifyPeer(leaf, null, new TrustBundle(TrustDomain.Parse("example.org"), [root]));

        if (expected is null)
        {
            Assert.True(result.Ok, result.Failure);
        }
        else
        {
            Assert.False(result.Ok, scenario);
            Assert.Contains(expected, result.Failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_leaf_without_authorityKeyIdentifier_is_refused()
    {
        using var root = TestPki.Root("example.org");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(UriSans.Build(SpiffeId.Parse(Workload), critical: false));
        using var leaf = req.Create(root, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3]);

        var result = SvidValidator.VerifyPeer(leaf, null, new TrustBundle(TrustDomain.Parse("example.org"), [root]));

        Assert.False(result.Ok);
        Assert.Contains("certificate has no authorityKeyIdentifier", result.Failure, StringComparison.Ordinal);
    }

    /// <summary>A good SVID leaf under any root (RSA or EC, with or without an SKI to point at).</summary>
    private static X509Certificate2 LeafOf(X509Certificate2 root)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(UriSans.Build(SpiffeId.Parse(Workload), critical: false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(
            SHA1.HashData(root.PublicKey.EncodedKeyValue.RawData)));
        var generator = root.GetRSAPrivateKey() is { } rsa
            ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa(root.GetECDsaPrivateKey()!);
        return req.Create(root.SubjectName, generator, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3]);
    }

    private static X509Certificate2 MakeRoot(string scenario)
    {
        using AsymmetricAlgorithm key = scenario == "root with RSA-1024 key" ? RSA.Create(1024) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = key is RSA rsa
            ? new CertificateRequest("CN=Test Root", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=Test Root", (ECDsa)key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: scenario != "root with non-critical basicConstraints"));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        if (scenario != "root without subjectKeyIdentifier")
        {
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        }

        if (scenario == "root with empty nameConstraints")
        {
            req.CertificateExtensions.Add(new X509Extension("2.5.29.30", [0x30, 0x00], critical: true));
        }

        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
