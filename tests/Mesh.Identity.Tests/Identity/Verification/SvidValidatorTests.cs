using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests.Verification;

public sealed class SvidValidatorTests
{
    private static readonly TrustDomain Td = TrustDomain.Parse("example.org");
    private const string Workload = "spiffe://example.org/ns/demo/sa/web";

    [Fact]
    public void Accepts_a_leaf_signed_by_a_bundle_root()
    {
        using var root = TestPki.Root("example.org");
        using var leaf = TestPki.Leaf(root, [Workload]);

        var result = SvidValidator.VerifyPeer(leaf, null, Bundle(root));

        Assert.True(result.Ok, result.Failure);
        Assert.Equal(Workload, result.Id!.ToString());
    }

    public static TheoryData<string, Func<X509Certificate2, X509Certificate2>, string> Rejections => new()
    {
        { "cert from another CA", _ => TestPki.Leaf(TestPki.Root("example.org"), [Workload]), "not signed by a root in the trust bundle" },
        { "expired cert", r => TestPki.Leaf(r, [Workload], notBefore: DateTimeOffset.UtcNow.AddHours(-3), notAfter: DateTimeOffset.UtcNow.AddHours(-2)), "expired" },
        { "two URI SANs", r => TestPki.Leaf(r, [Workload, "spiffe://example.org/other"]), "more than one URI SAN" },
        { "no URI SAN", r => TestPki.Leaf(r, []), "no URI SAN" },
        { "CA cert as leaf", r => TestPki.Leaf(r, [Workload], isCa: true, usage: X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature), "must not have CA flag" },
        { "other trust domain", r => TestPki.Leaf(r, ["spiffe://evil.org/ns/demo/sa/web"]), "not a member of trust domain example.org" },
        { "root path leaf", r => TestPki.Leaf(r, ["spiffe://example.org"]), "non-root path" },
        { "not a spiffe URI", r => TestPki.Leaf(r, ["https://example.org/x"]), "scheme is missing or invalid" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejects(string scenario, Func<X509Certificate2, X509Certificate2> makeLeaf, string expected)
    {
        using var root = TestPki.Root("example.org");
        using var leaf = makeLeaf(root);

        var result = SvidValidator.VerifyPeer(leaf, null, Bundle(root));

        Assert.False(result.Ok, scenario);
        Assert.Null(result.Id);
        Assert.Contains(expected, result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Verification_time_is_the_at_argument()
    {
        using var root = TestPki.Root("example.org");
        using var leaf = TestPki.Leaf(root, [Workload], notBefore: DateTimeOffset.UtcNow.AddHours(-3), notAfter: DateTimeOffset.UtcNow.AddHours(-2));

        Assert.True(SvidValidator.VerifyPeer(leaf, null, Bundle(root), DateTimeOffset.UtcNow.AddMinutes(-150)).Ok);
    }

    [Fact]
    public void Chains_through_an_intermediate_passed_by_the_peer()
    {
        using var root = TestPki.Root("example.org");
        using var intermediate = TestPki.Leaf(root, ["spiffe://example.org"], isCa: true, usage: X509KeyUsageFlags.KeyCertSign);
        using var intermediateWithKey = IntermediateWithKey(root, out var signer);
        using var leaf = TestPki.Leaf(signer, [Workload]);

        Assert.False(SvidValidator.VerifyPeer(leaf, null, Bundle(root)).Ok);
        Assert.True(SvidValidator.VerifyPeer(leaf, [signer], Bundle(root)).Ok);
    }

    [Fact]
    public void Profile_flags_an_empty_subject_without_critical_san()
    {
        var facts = new X509Facts(false, true, X509KeyUsageFlags.DigitalSignature, true, null, SubjectEmpty: true, SanCritical: false);
        Assert.Contains("leaf certificate with an empty subject must mark subjectAltName critical", SvidProfile.CheckLeaf(facts));
    }

    [Fact]
    public void Profile_requires_both_server_and_client_auth_when_eku_present()
    {
        var facts = new X509Facts(false, true, X509KeyUsageFlags.DigitalSignature, true, [X509Facts.ServerAuthOid], false, false);
        Assert.Single(SvidProfile.CheckLeaf(facts));
    }

    private static TrustBundle Bundle(X509Certificate2 root) =>
        new(Td, [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(root.RawData)]);

    private static X509Certificate2 IntermediateWithKey(X509Certificate2 root, out X509Certificate2 signer)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=Intermediate", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var cert = req.Create(root, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(2), [0x11, 0x22]);
        signer = cert.CopyWithPrivateKey(key);
        return signer;
    }
}
