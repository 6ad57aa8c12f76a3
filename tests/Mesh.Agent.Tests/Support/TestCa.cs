using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Support;

/// <summary>A real CA (gRPC over TLS on loopback) in a temporary directory, with one node token granted the given identities.</summary>
public sealed class TestCa : IAsyncDisposable
{
    private readonly CaClient _client;

    private TestCa(CaServer server, string dir, string token)
    {
        Server = server;
        Dir = dir;
        Token = token;
        _client = new CaClient(new CaClientOptions(server.Address, server.Bundle, token));
    }

    public CaServer Server { get; }
    public string Dir { get; }
    public string Token { get; }
    public static TrustDomain TrustDomain { get; } = TrustDomain.Parse("cluster.local");

    public static SpiffeId Id(string ns, string sa) => SpiffeId.ForWorkload(TrustDomain, ns, sa);

    public static async Task<TestCa> StartAsync(params SpiffeId[] grants)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-test-ca-").FullName;
        var token = BootstrapTokens.NewToken();
        var server = await CaServer.StartAsync(new CaOptions
        {
            TrustDomain = TrustDomain,
            StateDir = dir,
            Nodes = [new CaNodeGrant("test-node", BootstrapTokens.Hash(token), grants)],
        });
        return new TestCa(server, dir, token);
    }

    public Task<IssuedSvid> IssueAsync(SpiffeId id) => _client.RequestSvidAsync(id, CancellationToken.None);

    /// <summary>Writes an SVID as PEM files for tools such as curl and openssl; returns (cert, key) paths.</summary>
    public static (string Cert, string Key) WritePem(IssuedSvid svid, string dir, string name)
    {
        var cert = Path.Combine(dir, name + ".pem");
        var key = Path.Combine(dir, name + "-key.pem");
        File.WriteAllText(cert, svid.Leaf.ExportCertificatePem() + "\n" + string.Concat(svid.Intermediates.Select(c => c.ExportCertificatePem() + "\n")));
        using var ecdsa = svid.Leaf.GetECDsaPrivateKey() ?? throw new CryptographicException("SVID without an ECDSA key");
        File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        return (cert, key);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
