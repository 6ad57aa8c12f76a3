using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Ca;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Identity.Tests.Ca;

/// <summary>
/// The issuer without gRPC (<see cref="Issuer.IssueManually"/>, the path every request takes once authorized): the CSR's self-signature is checked with the key
/// decoded from the signed leaf, so these pin that a bad proof of possession never yields a leaf,
/// for both key types, and that the leaf carries exactly the CSR's key.
/// </summary>
public sealed class IssuerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDir _dir = new();
    private readonly CaKeyring _keyring;
    private readonly Issuer _issuer;

    public IssuerTests()
    {
        var options = new CaOptions { TrustDomain = CaHarness.Td, StateDir = _dir.Path };
        var time = new FixedTimeProvider(Now);
        _keyring = CaKeyMaterial.Open(options, time, NullLogger.Instance).Keyring;
        _issuer = new Issuer(_keyring, options, time);
    }

    public static TheoryData<string> GoodCsrs => new() { "P-256 from CsrFactory", "P-384 without SAN", "RSA-2048", "openssl P-256 with the requested SAN" };

    [Theory]
    [MemberData(nameof(GoodCsrs))]
    public void Issues_a_leaf_holding_exactly_the_CSR_key(string scenario)
    {
        var csr = scenario switch
        {
            "P-256 from CsrFactory" => Factory(),
            "P-384 without SAN" => Csrs.EcCurve(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384),
            "RSA-2048" => Csrs.Rsa(2048),
            "openssl P-256 with the requested SAN" => OpensslCsrs.Ec("P-256", "-addext", "subjectAltName=URI:" + CaHarness.Frontend),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var outcome = _issuer.IssueManually("test", CaHarness.Frontend, csr, 600);

        var issued = Assert.IsType<IssuanceOutcome.Issued>(outcome);
        using var leaf = issued.Leaf;
        var request = CertificateRequest.LoadSigningRequestPem(csr, HashAlgorithmName.SHA256);
        Assert.Equal(request.PublicKey.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(request.PublicKey.ExportSubjectPublicKeyInfo())), outcome.PublicKeySha256);
        Assert.Empty(SvidValidator.CheckLeafProfile(leaf));
        Assert.True(SvidValidator.VerifyPeer(leaf, [.. _keyring.Current.Intermediates], _keyring.Current.Bundle, Now).Ok);
        Assert.Equal(Now.AddMinutes(10), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
    }

    public static TheoryData<string, string> BadCsrs => new()
    {
        { "self-signature does not match", "csr signature does not verify" },
        { "RSA request signed by another RSA key", "csr signature does not verify" },
        { "public point not on the curve", "csr public key is not valid" },
        { "SAN names another identity", "csr subjectAltName names URI:spiffe://cluster.local/ns/demo/sa/backend" },
    };

    [Theory]
    [MemberData(nameof(BadCsrs))]
    public void Refuses_without_a_leaf(string scenario, string reason)
    {
        var csr = scenario switch
        {
            "self-signature does not match" => Csrs.BadSignature(),
            "RSA request signed by another RSA key" => RsaSignedByAnother(),
            "public point not on the curve" => Csrs.PointOffCurve(),
            "SAN names another identity" => Csrs.WithUriSans(CaHarness.Backend.ToString()),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var outcome = _issuer.IssueManually("test", CaHarness.Frontend, csr, 600);

        var refused = Assert.IsType<IssuanceOutcome.Refused>(outcome);
        Assert.Equal(StatusCode.InvalidArgument, refused.Status);
        Assert.Contains(reason, refused.Reason, StringComparison.Ordinal);
        Assert.Equal("test", outcome.Caller?.Principal);
    }

    public void Dispose()
    {
        _dir.Dispose();
    }

    private static string Factory()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CsrFactory.Create(key, CaHarness.Frontend);
    }

    private static string RsaSignedByAnother()
    {
        using var named = RSA.Create(2048);
        using var signer = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName("CN=x"), new PublicKey(named), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return PemEncoding.WriteString("CERTIFICATE REQUEST", request.CreateSigningRequest(X509SignatureGenerator.CreateForRSA(signer, RSASignaturePadding.Pkcs1)));
    }
}
