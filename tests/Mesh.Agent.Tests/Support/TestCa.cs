using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// A real CA (gRPC over TLS on loopback) in a temporary directory whose workload registry puts the given identities on
/// "test-node"; the test node has spent a join token on its node certificate and issues with it.
/// </summary>
public sealed class TestCa : IAsyncDisposable
{
    private readonly CaClient _client;

    private TestCa(CaServer server, string dir, IssuedSvid node, CaOptions options)
    {
        Server = server;
        Dir = dir;
        _options = options;
        _client = new CaClient(new CaClientOptions(server.Address, server.Bundle)
        {
            ClientCertificate = System.Net.Security.SslStreamCertificateContext.Create(node.Leaf, node.Intermediates, offline: true),
        });
    }

    private readonly CaOptions _options;

    public CaServer Server { get; private set; }

    public CaOptions Options => _options;
    public string Dir { get; }
    public static TrustDomain TrustDomain { get; } = TrustDomain.Parse("cluster.local");

    public static SpiffeId Id(string ns, string sa) => SpiffeId.ForWorkload(TrustDomain, ns, sa);

    public static Task<TestCa> StartAsync(params SpiffeId[] grants) => StartAsync(null, null, grants);

    public static Task<TestCa> StartAsync(TimeSpan? defaultTtl, params SpiffeId[] grants) => StartAsync(defaultTtl, null, grants);

    /// <param name="defaultTtl">The CA's default certificate lifetime (short ones exercise renewal).</param>
    /// <param name="configure">Further CA options (rotation timings, node TTL).</param>
    public static async Task<TestCa> StartAsync(TimeSpan? defaultTtl, Func<CaOptions, CaOptions>? configure, params SpiffeId[] grants)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-test-ca-").FullName;
        var registry = Path.Combine(dir, "workloads.yaml");
        File.WriteAllText(registry, "workloads:\n" + string.Concat(grants.Select(id =>
        {
            var parts = id.Path.Split('/');
            return $"  - {{ node: test-node, namespace: {parts[2]}, serviceAccount: {parts[4]} }}\n";
        })));
        var options = new CaOptions { TrustDomain = TrustDomain, StateDir = dir, WorkloadRegistryPath = registry, DefaultTtl = defaultTtl ?? TimeSpan.FromHours(1) };
        options = configure?.Invoke(options) ?? options;
        var server = await CaServer.StartAsync(options);
        options = options with { Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Address.Port) };
        using var bootstrap = new CaClient(new CaClientOptions(server.Address, server.Bundle)
        {
            BearerToken = JoinTokens.Create(dir, "test-node", TimeSpan.FromMinutes(10)),
        });
        var node = await bootstrap.RequestSvidAsync(NodeIds.For(TrustDomain, "test-node"), CancellationToken.None);
        return new TestCa(server, dir, node, options);
    }

    /// <summary>Stops the CA (an outage); <see cref="RestartAsync"/> brings it back on the same port and state.</summary>
    public Task StopAsync() => Server.StopAsync();

    public async Task RestartAsync() => Server = await CaServer.StartAsync(_options);

    /// <summary>Adds workloads on <paramref name="node"/> to the CA's registry file (the CA picks the change up within a second).</summary>
    public void Register(string node, params SpiffeId[] ids)
    {
        var registry = Path.Combine(Dir, "workloads.yaml");
        File.AppendAllText(registry, string.Concat(ids.Select(id =>
        {
            var parts = id.Path.Split('/');
            return $"  - {{ node: {node}, namespace: {parts[2]}, serviceAccount: {parts[4]} }}\n";
        })));
    }

    /// <summary>A one-time join token for <paramref name="node"/>, as <c>mesh ca token</c> makes it.</summary>
    public string JoinToken(string node) => JoinTokens.Create(Dir, node, TimeSpan.FromMinutes(10));

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
