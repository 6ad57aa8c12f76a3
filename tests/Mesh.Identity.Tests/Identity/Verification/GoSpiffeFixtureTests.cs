using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Tests.Verification;

/// <summary>
/// go-spiffe's x509svid and x509bundle fixtures (MANIFEST.md), limited to the verdicts our API
/// makes: ID extraction, leaf profile, signing-cert profile, bundle PEM parsing. The fixtures are
/// expired; none of these checks look at time, which pins the verdict regardless of the clock.
/// </summary>
public sealed class GoSpiffeFixtureTests
{
    public static TheoryData<string, string?> LeafCases => new()
    {
        { "good-leaf-only.pem", null },
        { "good-leaf-and-intermediate.pem", null },
        { "good-key-and-cert.pem", null },
        { "good-cert-and-key.pem", null },
        { "wrong-leaf-empty-id.pem", "certificate contains no URI SAN" },
        { "wrong-leaf-ca-true.pem", "leaf certificate must not have CA flag set to true" },
        { "wrong-leaf-no-digital-signature.pem", "leaf certificate must have 'digitalSignature' set as key usage" },
        { "wrong-leaf-cert-sign.pem", "leaf certificate must not have 'keyCertSign' set as key usage" },
        { "wrong-leaf-crl-sign.pem", "leaf certificate must not have 'cRLSign' set as key usage" },
    };

    [SkippableTheory]
    [MemberData(nameof(LeafCases))]
    public void Leaf_profile_verdict_matches_go_spiffe(string file, string? expectedError)
    {
        var leaf = LoadCerts(file)[0];

        var problems = SvidValidator.CheckLeafProfile(leaf);

        if (expectedError is null)
        {
            Assert.Empty(problems);
            Assert.True(SvidValidator.TryGetSpiffeId(leaf, out var id, out _));
            Assert.Equal("spiffe://example.org/workload-1", id.ToString());
        }
        else
        {
            Assert.Contains(expectedError, problems);
        }
    }

    [SkippableTheory]
    [InlineData("good-leaf-and-intermediate.pem", null)]
    [InlineData("wrong-intermediate-no-ca.pem", "signing certificate must have CA flag set to true")]
    [InlineData("wrong-intermediate-no-key-cert-sign.pem", "signing certificate must have 'keyCertSign' set as key usage")]
    public void Signing_certificate_verdict_matches_go_spiffe(string file, string? expectedError)
    {
        var certs = LoadCerts(file);
        Assert.Equal(2, certs.Count);

        var problems = SvidProfile.CheckSigning(X509Facts.Of(certs[1]));

        if (expectedError is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(expectedError, problems);
        }
    }

    [SkippableTheory]
    [InlineData("cert.pem", 1)]
    [InlineData("certs.pem", 2)]
    [InlineData("empty.pem", 0)]
    public void X509_bundle_pem_parses_like_go_spiffe(string file, int expectedRoots)
    {
        var pem = File.ReadAllText(Fixture("bundle_x509bundle_testdata", file));
        Assert.Equal(expectedRoots, TrustBundle.FromPem(TrustDomain.Parse("domain.test"), pem).Roots.Count);
    }

    [SkippableTheory]
    [InlineData("not-pem.pem", "cannot parse certificate: no PEM blocks found")]
    [InlineData("corrupted.pem", "cannot parse certificate")]
    public void X509_bundle_pem_errors_like_go_spiffe(string file, string expected)
    {
        var pem = File.ReadAllText(Fixture("bundle_x509bundle_testdata", file));
        var ex = Assert.Throws<FormatException>(() => TrustBundle.FromPem(TrustDomain.Parse("domain.test"), pem));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static X509Certificate2Collection LoadCerts(string file)
    {
        var certs = CertificatePem.ReadAll(File.ReadAllText(Fixture("svid_x509svid_testdata", file)));
        Assert.NotEmpty(certs);
        return certs;
    }

    private static string Fixture(string dir, string file)
    {
        Skip.If(TestData.Root is null, TestData.MissingReason);
        return TestData.Path("pki", "spiffe", "go-spiffe-fixtures", dir, file);
    }
}
