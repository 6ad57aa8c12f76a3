using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Istio-style plug-in CA certificates: a good set signs; each bad set is refused with its reason.</summary>
public sealed class PluginCertsTests
{
    [Theory]
    [InlineData("spiffe://cluster.local")]
    [InlineData(null)]
    public async Task Plugin_ca_signs_leaves_that_chain_to_the_operator_root(string? caUri)
    {
        using var dir = new TempDir();
        using var pki = new PluginPki(caUri);
        pki.Write(dir.File("cacerts"));

        await using var ca = await CaHarness.StartAsync(dir.File("state"), configure: o => o with { PluginCertsDir = dir.File("cacerts") });
        var response = await ca.RawCallAsync(Csrs.Ec(out var key), CaHarness.Frontend.ToString(), null, asNode: true);
        key.Dispose();

        Assert.Equal(3, response.CertChain.Count);
        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
        Assert.Equal(pki.CaCert.Thumbprint, X509Certificate2.CreateFromPem(response.CertChain[1]).Thumbprint);
        Assert.Equal(pki.Root.Thumbprint, X509Certificate2.CreateFromPem(response.CertChain[2]).Thumbprint);
        Assert.Equal(pki.Root.Thumbprint, Assert.Single(ca.Server.Bundle.Roots).Thumbprint);
        Assert.Equal("plugin", (await ca.RawTrustBundleAsync()).RotationState);
        var (exit, output) = Openssl.Run("verify", "-x509_strict", "-CAfile", Path.Combine(dir.File("cacerts"), "root-cert.pem"),
            "-untrusted", Path.Combine(dir.File("cacerts"), "ca-cert.pem"), Write(dir, "leaf.pem", response.CertChain[0]));
        Assert.True(exit == 0, output);
        Assert.Equal(File.ReadAllText(Path.Combine(dir.File("cacerts"), "root-cert.pem")).Trim(), File.ReadAllText(ca.Server.RootCertPath).Trim());
        // Plug-in mode writes no keys of its own.
        Assert.False(File.Exists(Path.Combine(dir.File("state"), "root-key.pem")));
        await Assert.ThrowsAsync<CaKeyException>(() => Task.Run(() => RotationRequest.Request(ca.Options, root: false)));
    }

    public static TheoryData<string, string> BadSets => new()
    {
        { "missing root-cert.pem", "root-cert.pem is missing" },
        { "key of another certificate", "ca-key.pem is not the private key of" },
        { "ca-cert is not a CA", "signing certificate must have CA flag set to true" },
        { "ca-cert lacks keyCertSign", "signing certificate must have 'keyCertSign' set as key usage" },
        { "ca-cert from another root", "does not chain to" },
        { "ca-cert of another trust domain", "a signing CA for cluster.local may carry only spiffe://cluster.local or no URI SAN" },
        { "ca-cert with a workload ID", "a signing CA for cluster.local may carry only spiffe://cluster.local or no URI SAN" },
        { "cert-chain does not start with ca-cert", "cert-chain.pem must start with ca-cert.pem" },
        { "ca-key is not a key", "is not an ECDSA private key" },
    };

    [Theory]
    [MemberData(nameof(BadSets))]
    public async Task Bad_plugin_set_is_refused_with_its_reason(string scenario, string expected)
    {
        using var dir = new TempDir();
        var plugin = dir.File("cacerts");
        using var pki = scenario switch
        {
            "ca-cert is not a CA" => new PluginPki(caIsCa: false),
            "ca-cert lacks keyCertSign" => new PluginPki(caUsage: X509KeyUsageFlags.DigitalSignature),
            "ca-cert of another trust domain" => new PluginPki("spiffe://example.org"),
            "ca-cert with a workload ID" => new PluginPki("spiffe://cluster.local/ns/demo/sa/frontend"),
            _ => new PluginPki(),
        };
        pki.Write(plugin);
        using var other = new PluginPki();
        switch (scenario)
        {
            case "missing root-cert.pem":
                File.Delete(Path.Combine(plugin, "root-cert.pem"));
                break;
            case "key of another certificate":
                File.WriteAllText(Path.Combine(plugin, "ca-key.pem"), other.CaKey.ExportPkcs8PrivateKeyPem());
                break;
            case "ca-cert from another root":
                File.WriteAllText(Path.Combine(plugin, "root-cert.pem"), other.Root.ExportCertificatePem());
                break;
            case "cert-chain does not start with ca-cert":
                File.WriteAllText(Path.Combine(plugin, "cert-chain.pem"), pki.Root.ExportCertificatePem());
                break;
            case "ca-key is not a key":
                using (var rsa = RSA.Create(2048))
                {
                    File.WriteAllText(Path.Combine(plugin, "ca-key.pem"), rsa.ExportPkcs8PrivateKeyPem());
                }

                break;
        }

        var ex = await Assert.ThrowsAsync<CaKeyException>(() => CaHarness.StartAsync(dir.File("state"), configure: o => o with { PluginCertsDir = plugin }));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(plugin, ex.Message, StringComparison.Ordinal);
    }

    private static string Write(TempDir dir, string name, string contents)
    {
        File.WriteAllText(dir.File(name), contents);
        return dir.File(name);
    }
}
