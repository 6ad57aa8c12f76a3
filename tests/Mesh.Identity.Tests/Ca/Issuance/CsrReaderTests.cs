using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>
/// What the CA accepts from a caller's CSR: only ECDSA P-256/P-384 or RSA >= 2048 keys, a valid
/// self-signature, well-formed PEM and DER, and no subjectAltName other than the requested ID.
/// CSRs come from .NET's CertificateRequest and from `openssl req`.
/// </summary>
public sealed class CsrReaderTests
{
    private static readonly SpiffeId Requested = SpiffeId.Parse("spiffe://cluster.local/ns/demo/sa/frontend");

    public static TheoryData<string> Accepted => new()
    {
        ".NET P-256, no SAN",
        ".NET P-256, exactly the requested URI SAN (the agent's CsrFactory)",
        ".NET P-384 signed with SHA-384",
        ".NET RSA-2048",
        "openssl P-256, no SAN",
        "openssl P-256, exactly the requested URI SAN",
        "openssl P-384",
        "openssl RSA-2048",
        "openssl RSA-3072 signed with SHA-512",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepts(string scenario)
    {
        var pem = scenario switch
        {
            ".NET P-256, no SAN" => Csrs.Ec(out var key).Also(key.Dispose),
            ".NET P-256, exactly the requested URI SAN (the agent's CsrFactory)" => FromFactory(),
            ".NET P-384 signed with SHA-384" => Csrs.EcCurve(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384),
            ".NET RSA-2048" => Csrs.Rsa(2048),
            "openssl P-256, no SAN" => OpensslCsrs.Ec("P-256"),
            "openssl P-256, exactly the requested URI SAN" => OpensslCsrs.Ec("P-256", "-addext", "subjectAltName=URI:" + Requested),
            "openssl P-384" => OpensslCsrs.Ec("P-384"),
            "openssl RSA-2048" => OpensslCsrs.Create("rsa:2048"),
            "openssl RSA-3072 signed with SHA-512" => OpensslCsrs.Create("rsa:3072", "-sha512"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var result = CsrReader.Read(pem, Requested);

        var accepted = Assert.IsType<CsrResult.Accepted>(result);
        var parsed = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation);
        Assert.Equal(parsed.PublicKey.ExportSubjectPublicKeyInfo(), accepted.Key.ExportSubjectPublicKeyInfo());
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "empty", "csr is empty" },
        { "not PEM", "csr is malformed: no PEM block found" },
        { "a certificate, not a request", "PEM block is \"CERTIFICATE\", expected \"CERTIFICATE REQUEST\"" },
        { "garbage DER", "csr is malformed" },
        { "truncated DER", "csr is malformed" },
        { "trailing bytes after the DER", "csr is malformed" },
        { "PEM cut off before its END line", "csr is malformed: no PEM block found" },
        { "signature does not match", "csr signature does not verify" },
        { "signature from another key", "csr signature does not verify" },
        { "public point not on the curve", "csr public key is not valid" },
        { ".NET RSA-1024", "csr RSA key is 1024 bits; at least 2048 are required" },
        { "openssl RSA-1024", "csr RSA key is 1024 bits; at least 2048 are required" },
        { ".NET P-521", "csr key uses ECDSA curve" },
        { "openssl secp256k1", "only P-256 and P-384 are accepted" },
        { "openssl Ed25519", "csr signature algorithm" },
        { "openssl SHA-1 signature", "csr signature algorithm" },
        { ".NET SAN with a DNS name", "csr subjectAltName names DNS:ca.cluster.local; a CSR may name only the requested identity spiffe://cluster.local/ns/demo/sa/frontend" },
        { ".NET SAN with another SPIFFE ID", "csr subjectAltName names URI:spiffe://cluster.local/ns/mesh-system/sa/mesh-ca;" },
        { ".NET SAN with the ID and a DNS name", "csr subjectAltName names DNS:frontend;" },
        { ".NET SAN with an email", "csr subjectAltName names email:a@b.c;" },
        { ".NET SAN with an IP", "csr subjectAltName names IP:10.0.0.1;" },
        { ".NET SAN with the ID twice", "names spiffe://cluster.local/ns/demo/sa/frontend 2 times" },
        { ".NET SAN with the ID and a trailing slash", "csr subjectAltName names URI:spiffe://cluster.local/ns/demo/sa/frontend/;" },
        { "openssl SAN with a DNS name", "csr subjectAltName names DNS:evil.example;" },
        { "openssl SAN with the ID and another URI", "csr subjectAltName names URI:spiffe://cluster.local/ns/demo/sa/backend;" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_with_a_reason(string scenario, string expectedReason)
    {
        var pem = scenario switch
        {
            "empty" => "  ",
            "not PEM" => "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
            "a certificate, not a request" => PemEncoding.WriteString("CERTIFICATE", Der(FromFactory())),
            "garbage DER" => PemEncoding.WriteString("CERTIFICATE REQUEST", RandomNumberGenerator.GetBytes(200)),
            "truncated DER" => PemEncoding.WriteString("CERTIFICATE REQUEST", Der(FromFactory())[..100]),
            "trailing bytes after the DER" => PemEncoding.WriteString("CERTIFICATE REQUEST", [.. Der(FromFactory()), 0x00]),
            "PEM cut off before its END line" => FromFactory()[..200],
            "signature does not match" => Csrs.BadSignature(),
            "signature from another key" => SignedByAnotherKey(),
            "public point not on the curve" => Csrs.PointOffCurve(),
            ".NET RSA-1024" => Csrs.Rsa(1024),
            "openssl RSA-1024" => OpensslCsrs.Create("rsa:1024"),
            ".NET P-521" => Csrs.EcCurve(ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512),
            "openssl secp256k1" => OpensslCsrs.Ec("secp256k1"),
            "openssl Ed25519" => OpensslCsrs.Create("ed25519"),
            "openssl SHA-1 signature" => OpensslCsrs.Ec("P-256", "-sha1"),
            ".NET SAN with a DNS name" => Csrs.WithSans(s => s.AddDnsName("ca.cluster.local")),
            ".NET SAN with another SPIFFE ID" => Csrs.WithUriSans("spiffe://cluster.local/ns/mesh-system/sa/mesh-ca"),
            ".NET SAN with the ID and a DNS name" => Csrs.WithSans(s =>
            {
                s.AddUri(new Uri(Requested.ToString()));
                s.AddDnsName("frontend");
            }),
            ".NET SAN with an email" => Csrs.WithSans(s => s.AddEmailAddress("a@b.c")),
            ".NET SAN with an IP" => Csrs.WithSans(s => s.AddIpAddress(System.Net.IPAddress.Parse("10.0.0.1"))),
            ".NET SAN with the ID twice" => Csrs.WithUriSans(Requested.ToString(), Requested.ToString()),
            ".NET SAN with the ID and a trailing slash" => Csrs.WithUriSans(Requested + "/"),
            "openssl SAN with a DNS name" => OpensslCsrs.Ec("P-256", "-addext", "subjectAltName=DNS:evil.example"),
            "openssl SAN with the ID and another URI" => OpensslCsrs.Ec("P-256", "-addext", $"subjectAltName=URI:{Requested},URI:spiffe://cluster.local/ns/demo/sa/backend"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };

        var result = CsrReader.Read(pem, Requested);

        var rejected = Assert.IsType<CsrResult.Rejected>(result);
        Assert.Contains(expectedReason, rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_expected_identity_SANs_are_not_judged()
    {
        var pem = Csrs.WithSans(s => s.AddDnsName("ca.cluster.local"));

        Assert.IsType<CsrResult.Accepted>(CsrReader.Read(pem));
    }

    [Fact]
    public void Parse_leaves_the_signature_to_the_caller_and_Verify_checks_it()
    {
        var bad = Assert.IsType<CsrParse.Parsed>(CsrReader.Parse(Csrs.BadSignature(), Requested)).Csr;
        var good = Assert.IsType<CsrParse.Parsed>(CsrReader.Parse(FromFactory(), Requested)).Csr;

        using var badKey = bad.ImportKey();
        using var goodKey = good.ImportKey();
        Assert.False(bad.VerifySignature(badKey));
        Assert.True(good.VerifySignature(goodKey));
        Assert.False(good.VerifySignature(badKey));
        Assert.False(good.VerifySignature(null));
    }

    private static string FromFactory()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CsrFactory.Create(key, Requested);
    }

    /// <summary>A request carrying one key, signed by another: who sent it does not hold the key it names.</summary>
    private static string SignedByAnotherKey()
    {
        using var named = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), new PublicKey(named), HashAlgorithmName.SHA256);
        return PemEncoding.WriteString("CERTIFICATE REQUEST", request.CreateSigningRequest(X509SignatureGenerator.CreateForECDsa(signer)));
    }

    private static byte[] Der(string pem) => PemEncoding.TryFind(pem, out var f)
        ? Convert.FromBase64String(pem[f.Base64Data])
        : throw new ArgumentException("no PEM", nameof(pem));
}

internal static class CsrTestExtensions
{
    /// <summary>Runs <paramref name="then"/> and returns the value: lets a switch arm dispose what made it.</summary>
    internal static T Also<T>(this T value, Action then)
    {
        then();
        return value;
    }
}
