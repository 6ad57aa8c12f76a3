using System.Net;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

public sealed class CaConfigLoaderTests
{
    [Fact]
    public void Loads_a_valid_file_and_resolves_relative_paths_against_it()
    {
        using var dir = new TempDir();
        using var issuer = new KubernetesIssuer();
        File.WriteAllText(dir.File("jwks.json"), issuer.JwksJson);
        File.WriteAllText(dir.File("workloads.yaml"), "workloads: []\n");
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, """
            trustDomain: cluster.local
            stateDir: ./state
            listen: 127.0.0.1:9443
            defaultTtl: 30m
            maxTtl: 12h
            auditLog: logs/audit.log
            registry: workloads.yaml
            auth:
              kubernetes:
                issuer: https://kubernetes.default.svc.cluster.local
                jwksFile: jwks.json
                agentServiceAccounts: [mesh-system/ztunnel]
            """);

        var options = CaConfigLoader.Load(path);

        Assert.Equal("cluster.local", options.TrustDomain.Name);
        Assert.Equal(Path.Combine(dir.Path, "state"), options.StateDir);
        Assert.Equal(Path.Combine(dir.Path, "logs", "audit.log"), options.AuditLogPath);
        Assert.Equal(Path.Combine(dir.Path, "workloads.yaml"), options.WorkloadRegistryPath);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9443), options.Listen);
        Assert.Equal(TimeSpan.FromMinutes(30), options.DefaultTtl);
        Assert.Equal(TimeSpan.FromHours(12), options.MaxTtl);
        Assert.NotNull(options.Kubernetes);
        Assert.Equal("mesh-ca", options.Kubernetes.Audience);
        Assert.Equal(["mesh-system/ztunnel"], options.Kubernetes.AgentServiceAccounts);
        Assert.Equal(issuer.JwksJson, options.Kubernetes.JwksJson);
    }

    [Fact]
    public void Reports_every_error_with_file_line_and_column()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad-jwks.json"), "{\"keys\": []}");
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, """
            trustDomain: Cluster.Local
            stateDir: ./state
            maxTtl: forever
            colour: blue
            registry: missing.yaml
            auth:
              kubernetes:
                issuer: https://k8s
                jwksFile: bad-jwks.json
                agentServiceAccounts: [just-a-name]
            """);

        var ex = Assert.Throws<CaConfigException>(() => CaConfigLoader.Load(path));

        Assert.True(ex.Message.Contains($"{path}:1:14: trustDomain 'Cluster.Local' is invalid", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:3:9: maxTtl 'forever' must be a positive duration", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:4:1: unknown key 'colour'", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:5:11: workload registry {dir.File("missing.yaml")} does not exist", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:9:15: {dir.File("bad-jwks.json")} holds no usable RSA or EC signing key", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:10:28: each agent service account is written namespace/name", StringComparison.Ordinal), ex.Message);
        Assert.Equal(6, ex.Errors.Count);
    }

    [Fact]
    public void Workload_registry_errors_carry_positions()
    {
        using var dir = new TempDir();
        var path = dir.File("workloads.yaml");
        File.WriteAllText(path, """
            workloads:
              - node: node-a
                namespace: demo
              - node: a/b
                namespace: demo
                serviceAccount: web
              - node: node-b
                namespace: demo
                serviceAccount: web
                colour: red
            """);

        var ex = Assert.Throws<CaConfigException>(() => WorkloadRegistryFile.Load(path));

        Assert.True(ex.Message.Contains($"{path}:2:5: missing 'serviceAccount'", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:4:5: node 'a/b': a node name is one non-empty path segment", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains($"{path}:10:5: unknown key 'colour' in a workload", StringComparison.Ordinal), ex.Message);
        Assert.Equal(3, ex.Errors.Count);
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
