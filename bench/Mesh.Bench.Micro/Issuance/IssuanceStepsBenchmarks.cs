using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Bench.Micro.Issuance;

/// <summary>
/// The steps of the issuer one by one, so a slow issuance can be pinned on a step:
/// CSR parse + self-signature check + key check, template + ECDSA sign, decoding the signed leaf, and the post-sign profile check.
/// </summary>
[MemoryDiagnoser]
public class IssuanceStepsBenchmarks
{
    private CaFixture ca = null!;
    private string csr = null!;
    private PublicKey key = null!;
    private X509Certificate2 issuer = null!;
    private X509Certificate2 leaf = null!;
    private LeafSigner signer = null!;
    private byte[] spki = null!;
    private byte[] leafDer = null!;
    private DateTimeOffset notBefore;
    private DateTimeOffset notAfter;

    [GlobalSetup]
    public void Setup()
    {
        ca = new CaFixture();
        csr = CaFixture.NewCsr();
        key = CsrReader.Read(csr) is CsrResult.Accepted accepted ? accepted.Key : throw new InvalidOperationException("CSR rejected");
        issuer = ca.Signer;
        notBefore = DateTimeOffset.UtcNow.AddMinutes(-1);
        notAfter = notBefore.AddHours(1);
        leaf = ca.IssueLeaf();
        leafDer = leaf.RawData;
        spki = key.ExportSubjectPublicKeyInfo();
        signer = new LeafSigner(issuer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        leaf.Dispose();
        signer.Dispose();
        ca.Dispose();
    }

    [Benchmark(Description = "CA step: CsrReader.Read (parse, verify CSR sig, key check)")]
    public bool ReadCsr() => CsrReader.Read(csr) is CsrResult.Accepted;

    [Benchmark(Description = "CA step: CsrReader.Parse (parse, key and SAN checks, no signature check)")]
    public bool ParseCsr() => CsrReader.Parse(csr, CaFixture.Frontend) is CsrParse.Parsed;

    [Benchmark(Description = "CA step: LeafSigner.Sign (TBS DER + ECDSA sign)")]
    public int Sign() => signer.Sign(spki, key, CaFixture.Frontend, notBefore, notAfter, SerialNumbers.NewPositive128(RandomNumberGenerator.Fill)).Length;

    [Benchmark(Description = "CA step: load the signed leaf (X509Certificate2, decodes its key)")]
    public int LoadLeaf()
    {
        using var loaded = X509CertificateLoader.LoadCertificate(leafDer);
        return loaded.RawDataMemory.Length;
    }

    [Benchmark(Description = "CA step: SvidValidator.CheckLeafProfile")]
    public int CheckProfile() => SvidValidator.CheckLeafProfile(leaf).Count;

    /// <summary>What CertificateRequest.Create(X509Certificate2 issuer, ...) does first on every call.</summary>
    [Benchmark(Description = "CA step: issuer.GetECDsaPrivateKey()")]
    public int GetIssuerKey()
    {
        using var k = issuer.GetECDsaPrivateKey();
        return k!.KeySize;
    }
}
