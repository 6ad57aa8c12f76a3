using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Bench.Micro.Issuance;

/// <summary>
/// CSR -> signed SVID on the CA (authenticate, parse and verify the CSR, template, ECDSA sign, profile re-check),
/// and the client's side of it (key generation and CSR signing).
/// </summary>
[MemoryDiagnoser]
public class IssuanceBenchmarks
{
    private CaFixture ca = null!;
    private SpiffeId identity = null!;
    private string csr = null!;
    private ECDsa clientKey = null!;

    [GlobalSetup]
    public void Setup()
    {
        ca = new CaFixture();
        identity = CaFixture.Frontend;
        csr = CaFixture.NewCsr();
        clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ca.IssueLeaf().Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        clientKey.Dispose();
        ca.Dispose();
    }

    /// <summary>
    /// CSR -> signed, re-checked SVID (what every request costs after the caller is authenticated: node certificates are
    /// verified once per TLS connection); the leaf is disposed here as the gRPC shell does after encoding it.
    /// </summary>
    [Benchmark(Description = "CA: CSR -> SVID (Issuer)")]
    public bool IssueSvid()
    {
        var outcome = ca.Issuer.IssueManually("bench", identity, csr, 3600);
        if (outcome is IssuanceOutcome.Issued issued)
        {
            issued.Leaf.Dispose();
            return true;
        }

        return false;
    }

    [Benchmark(Description = "Client: CsrFactory.Create (key given)")]
    public string CreateCsr() => CsrFactory.Create(clientKey, CaFixture.Frontend);

    /// <summary>What CaClient does per renewal: a fresh P-256 key, then the CSR.</summary>
    [Benchmark(Description = "Client: new P-256 key + CSR")]
    public string CreateKeyAndCsr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CsrFactory.Create(key, CaFixture.Frontend);
    }
}
