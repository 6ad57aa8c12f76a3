using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;
using Mesh.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Bench.Micro.Issuance;

/// <summary>
/// A CA root and signing intermediate in a temp state dir and an <see cref="Issuer"/> with one node grant, built as the CA server
/// builds them (src/Ca/Server/CaServer.cs), minus the gRPC listener.
/// </summary>
internal sealed class CaFixture : IDisposable
{
    public static readonly TrustDomain Td = TrustDomain.Parse("cluster.local");
    public static readonly SpiffeId Frontend = SpiffeId.ForWorkload(Td, "demo", "frontend");

    private readonly string stateDir = Directory.CreateTempSubdirectory("mesh-bench-ca-").FullName;

    public CaFixture()
    {
        var options = new CaOptions { TrustDomain = Td, StateDir = stateDir };
        Keyring = CaKeyMaterial.Open(options, TimeProvider.System, NullLogger.Instance).Keyring;
        Issuer = new Issuer(Keyring, options, TimeProvider.System);
    }

    public CaKeyring Keyring { get; }

    /// <summary>The intermediate that signs leaves, with its key.</summary>
    public X509Certificate2 Signer => Keyring.Current.Signer;

    /// <summary>What a peer sends after the leaf: the intermediate.</summary>
    public X509Certificate2Collection Intermediates => [.. Keyring.Current.Intermediates];

    public Issuer Issuer { get; }

    public TrustBundle Bundle => Keyring.Current.Bundle;

    /// <summary>A CSR as the agent's CA client makes it: fresh P-256 key, SPIFFE URI SAN.</summary>
    public static string NewCsr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return CsrFactory.Create(key, Frontend);
    }

    /// <summary>Issues one SVID through the full path; fails the run if the CA refuses.</summary>
    public X509Certificate2 IssueLeaf() => Issuer.IssueManually("bench", Frontend, NewCsr(), 3600) switch
    {
        IssuanceOutcome.Issued issued => issued.Leaf,
        var refused => throw new InvalidOperationException($"CA refused the benchmark CSR: {refused}"),
    };

    public void Dispose()
    {
        Directory.Delete(stateDir, recursive: true);
    }
}
