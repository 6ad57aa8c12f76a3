using System.Net;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

public sealed class CaConfigLoaderTests
{
    [Fact]
    public void Loads_a_valid_file_and_resolves_relative_paths_against_it()
    {
        using var dir = new TempDir();
        var hash = BootstrapTokens.Hash("t");
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, $"""
            trustDomain: cluster.local
            stateDir: ./state
            listen: 127.0.0.1:9443
            defaultTtl: 30m
            maxTtl: 12h
            auditLog: logs/audit.log
            nodes:
              - node: node-a
                tokenSha256: {hash}
                identities:
                  - spiffe://cluster.local/ns/demo/sa/frontend
                  - spiffe://cluster.local/ns/demo/sa/backend
            """);

        var options = CaConfigLoader.Load(path);

        Assert.Equal("cluster.local", options.TrustDomain.Name);
        Assert.Equal(Path.Combine(dir.Path, "state"), options.StateDir);
        Assert.Equal(Path.Combine(dir.Path, "logs", "audit.log"), options.AuditLogPath);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9443), options.Listen);
        Assert.Equal(TimeSpan.FromMinutes(30), options.DefaultTtl);
        Assert.Equal(TimeSpan.FromHours(12), options.MaxTtl);
        var grant = Assert.Single(options.Nodes);
        Assert.Equal("node-a", grant.Node);
        Assert.Equal(hash, grant.TokenSha256Hex);
        Assert.Equal(2, grant.Identities.Count);
    }

    [Fact]
    public void Reports_every_error_with_file_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, """
            trustDomain: Cluster.Local
            stateDir: ./state
            maxTtl: forever
            colour: blue
            nodes:
              - node: node-a
                tokenSha256: not-hex
                identities:
                  - spiffe://other.domain/ns/a/sa/b
                  - spiffe://cluster.local/ns/a/
            """);

        var ex = Assert.Throws<CaConfigException>(() => CaConfigLoader.Load(path));

        Assert.True(ex.Message.Contains($"{path}:1:14: trustDomain 'Cluster.Local' is invalid", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:3:9: maxTtl 'forever' must be a positive duration", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:4:1: unknown key 'colour'", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:7:18: tokenSha256 must be 64 hex characters", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:10:9: 'spiffe://cluster.local/ns/a/' is not a SPIFFE ID: path cannot have a trailing slash", StringComparison.Ordinal), ex.Message);
        Assert.Equal(5, ex.Errors.Count);
    }

    [Fact]
    public void Identities_outside_the_trust_domain_are_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, $"trustDomain: cluster.local\nstateDir: s\nnodes:\n  - node: a\n    tokenSha256: {BootstrapTokens.Hash("t")}\n    identities: [spiffe://other.domain/ns/a/sa/b]\n");

        var ex = Assert.Throws<CaConfigException>(() => CaConfigLoader.Load(path));

        Assert.Equal($"{path}:6:18: 'spiffe://other.domain/ns/a/sa/b' is outside trust domain cluster.local; this CA only issues for cluster.local", ex.Message);
    }

    [Fact]
    public void Syntax_errors_carry_a_position()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, "trustDomain: [unclosed\n");

        var ex = Assert.Throws<CaConfigException>(() => CaConfigLoader.Load(path));

        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:\\d+:\\d+: invalid YAML", ex.Message);
    }
}
