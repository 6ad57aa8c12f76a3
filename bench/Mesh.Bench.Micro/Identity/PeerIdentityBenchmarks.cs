using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Mesh.Bench.Micro.Issuance;
using Mesh.Identity;

namespace Mesh.Bench.Micro.Identity;

/// <summary>
/// Peer SVID verification, done once per agent-to-agent connection in the TLS callback, and SPIFFE ID parsing.
/// The leaf is a real SVID from the CA's issuance path, checked against that CA's bundle.
/// </summary>
[MemoryDiagnoser]
public class PeerIdentityBenchmarks
{
    private CaFixture ca = null!;
    private X509Certificate2 leaf = null!;
    private X509Certificate2Collection intermediates = null!;
    private TrustBundle bundle = null!;

    [GlobalSetup]
    public void Setup()
    {
        ca = new CaFixture();
        leaf = ca.IssueLeaf();
        bundle = ca.Bundle;
        intermediates = ca.Intermediates;
        var check = SvidValidator.VerifyPeer(leaf, intermediates, bundle);
        if (!check.Ok)
        {
            throw new InvalidOperationException($"benchmark leaf does not verify: {check.Failure}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        leaf.Dispose();
        ca.Dispose();
    }

    [Benchmark(Description = "SvidValidator.VerifyPeer (leaf + intermediate)")]
    public PeerVerification VerifyPeer() => SvidValidator.VerifyPeer(leaf, intermediates, bundle);

    /// <summary>The X509Chain part of <see cref="VerifyPeer"/>, to split chain building from the SVID profile checks.</summary>
    [Benchmark(Description = "VerifyPeer step: ChainVerifier.Verify (X509Chain.Build)")]
    public string? BuildChain() => ChainVerifier.Verify(leaf, intermediates, bundle.Roots, DateTimeOffset.UtcNow);

    [Benchmark(Description = "SpiffeId.Parse (workload ID)")]
    public SpiffeId ParseSpiffeId() => SpiffeId.Parse("spiffe://cluster.local/ns/payments/sa/checkout");
}
