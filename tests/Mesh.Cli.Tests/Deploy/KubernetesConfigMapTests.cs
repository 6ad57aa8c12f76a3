using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mesh.Agent.Config;
using Mesh.Agent.Redirect;
using Mesh.Ca;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Deploy;

/// <summary>
/// The agent.yaml and ca.yaml the ConfigMaps carry load with the real loaders, so a misspelt key or a bad value
/// fails here rather than in a crash-looping pod. Absolute paths are moved under a temp dir standing in for the
/// pod's mounts.
/// </summary>
public sealed partial class KubernetesConfigMapTests
{
    [Fact]
    public void The_agent_config_template_loads_once_the_node_name_is_filled_in()
    {
        using var root = new TempDir();
        var text = Relocate(KubernetesManifestContentTests.ConfigMapData("mesh-agent-config", "agent.yaml"), root.Path)
            .Replace("${NODE_NAME}", "worker-1", StringComparison.Ordinal);
        WriteUnder(root.Path, "/var/run/secrets/mesh-ca/token", "header.payload.signature");
        WriteUnder(root.Path, "/etc/mesh/pods/pods.yaml", KubernetesManifestContentTests.ConfigMapData("mesh-pods", "default.yaml"));
        WriteUnder(root.Path, "/etc/mesh/registry/registry.yaml", KubernetesManifestContentTests.ConfigMapData("mesh-registry", "registry.yaml"));
        Directory.CreateDirectory(root.Path + "/etc/mesh/policies");
        var config = WriteUnder(root.Path, "/etc/mesh/config/agent.yaml", text);

        var options = AgentConfigLoader.Load(config);

        Assert.Equal("worker-1", options.Node);
        Assert.Equal(root.Path + "/var/run/secrets/mesh-ca/token", options.Ca.TokenFilePath);
        Assert.Equal(root.Path + "/var/lib/mesh/node-state", options.Ca.StateDir);
        Assert.Equal(Mesh.Policy.MtlsMode.Strict, options.DefaultMtlsMode);
        // In-pod interception on the ports and mark `mesh redirect install` uses by default (the README's init container).
        var intercept = Assert.IsType<Mesh.Agent.Intercept.InterceptOptions>(options.Intercept);
        Assert.Equal(root.Path + "/etc/mesh/pods/pods.yaml", intercept.PodsFile);
        Assert.Equal(
            (RedirectOptions.DefaultOutboundPort, RedirectOptions.DefaultInboundPort, RedirectOptions.DefaultTunnelPort, RedirectOptions.DefaultMark),
            (intercept.OutboundPort, intercept.InboundPort, intercept.TunnelPort, intercept.Mark));
        Assert.Empty(PodsLoader.Load(intercept.PodsFile, options.TrustDomain));
    }

    [Fact]
    public void The_ca_config_loads_with_the_operator_supplied_jwks_and_passphrase()
    {
        using var root = new TempDir();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: false);
        WriteUnder(root.Path, "/etc/mesh-ca/jwks/jwks.json",
            $$"""{"keys":[{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"k1","x":"{{B64(p.Q.X!)}}","y":"{{B64(p.Q.Y!)}}"}]}""");
        WriteUnder(root.Path, "/etc/mesh-ca/passphrase/passphrase", "correct horse battery staple\n");
        WriteUnder(root.Path, "/etc/mesh-ca/registry/workloads.yaml", KubernetesManifestContentTests.ConfigMapData("mesh-ca-workloads", "workloads.yaml"));
        var config = WriteUnder(root.Path, "/etc/mesh-ca/config/ca.yaml",
            Relocate(KubernetesManifestContentTests.ConfigMapData("mesh-ca-config", "ca.yaml"), root.Path));

        var options = CaConfigLoader.Load(config);

        Assert.Equal("mesh-ca", options.Kubernetes!.Audience);
        Assert.Equal(["mesh-system/mesh-agent"], options.Kubernetes.AgentServiceAccounts);
        Assert.Equal(15012, options.Listen.Port);
        Assert.Equal(root.Path + "/var/lib/mesh-ca", options.StateDir);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Relocate(string yaml, string root) => AbsolutePath().Replace(yaml, m => m.Groups[1].Value + root + "/");

    private static string WriteUnder(string root, string path, string content)
    {
        var full = root + path;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    // A value that is an absolute path under the directories the pods mount: "key: /etc/...", "{file: /etc/...}".
    [GeneratedRegex(@"(:\s+)/(?=(?:etc|var|run)/)")]
    private static partial Regex AbsolutePath();
}
