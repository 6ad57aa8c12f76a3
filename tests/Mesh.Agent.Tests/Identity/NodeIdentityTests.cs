using System.Security.Cryptography;
using Mesh.Agent.Config;
using Mesh.Agent.Identity;
using Mesh.Agent.Tests.Support;
using Mesh.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Identity;

/// <summary>The node's own certificate: bootstrapped once with a token, kept across restarts, renewed with itself.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeIdentityTests : IAsyncLifetime
{
    private static readonly SpiffeId Workload = TestCa.Id("demo", "web");
    private TestCa _ca = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _ca = await TestCa.StartAsync();
        _ca.Register("node-x", Workload);
        _dir = Directory.CreateTempSubdirectory("mesh-node-identity-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _ca.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private NodeIdentity Node(string token)
    {
        var tokenFile = Path.Combine(_dir, "token");
        File.WriteAllText(tokenFile, token);
        var options = new CaEndpointOptions(_ca.Server.Address, _ca.Server.RootCertPath, token) { TokenFilePath = tokenFile, StateDir = Path.Combine(_dir, "state") };
        return new NodeIdentity("node-x", TestCa.TrustDomain, options, () => _ca.Server.Bundle, TimeProvider.System, NullLogger<NodeIdentity>.Instance);
    }

    [Fact]
    public async Task A_restart_uses_the_persisted_node_certificate_and_needs_no_token()
    {
        using (var first = Node(_ca.JoinToken("node-x")))
        {
            var client = await first.ClientAsync(CancellationToken.None);
            Assert.Equal(Workload, (await client.RequestSvidAsync(Workload, CancellationToken.None)).Id);
        }
        var persisted = Path.Combine(_dir, "state", "node-credentials.pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(persisted));

        // The token is spent (and here replaced by garbage): the restarted agent must not need it.
        using var restarted = Node("spent-" + Guid.NewGuid().ToString("N"));
        var again = await restarted.ClientAsync(CancellationToken.None);

        Assert.Equal(Workload, (await again.RequestSvidAsync(Workload, CancellationToken.None)).Id);
        Assert.NotNull(restarted.NotAfter);
    }

    [Fact]
    public async Task A_failed_bootstrap_keeps_its_key_so_the_retry_is_not_a_replay()
    {
        var token = _ca.JoinToken("node-x");
        await _ca.StopAsync();
        using var node = Node(token);

        await Assert.ThrowsAsync<CaClientException>(() => node.ClientAsync(CancellationToken.None));
        var keyFile = Path.Combine(_dir, "state", "bootstrap-key.pem");
        Assert.True(File.Exists(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        using var bootstrapKey = ECDsa.Create();
        bootstrapKey.ImportFromPem(File.ReadAllText(keyFile));

        await _ca.RestartAsync();
        await node.ClientAsync(CancellationToken.None);

        Assert.False(File.Exists(keyFile));
        var credentials = File.ReadAllText(Path.Combine(_dir, "state", "node-credentials.pem"));
        using var nodeKey = ECDsa.Create();
        nodeKey.ImportFromPem(credentials);
        Assert.Equal(bootstrapKey.ExportSubjectPublicKeyInfo(), nodeKey.ExportSubjectPublicKeyInfo());
    }
}
