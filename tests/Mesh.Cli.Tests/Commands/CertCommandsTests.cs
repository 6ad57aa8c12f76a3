using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh cert inspect` on real PEM files.</summary>
public sealed class CertCommandsTests
{
    [Fact]
    public async Task Inspect_a_good_ca_chain_prints_each_certificate_and_exits_0()
    {
        using var dir = new TempDir();
        var config = dir.Write("ca.yaml", "trustDomain: cluster.local\nstateDir: ./state\n");
        Assert.Equal(0, (await MeshProcess.RunAsync("ca", "init", "--config", config)).ExitCode);
        var state = Path.Combine(dir.Path, "state");
        var chain = dir.Write("chain.pem", File.ReadAllText(Path.Combine(state, "intermediate-cert.pem")) + File.ReadAllText(Path.Combine(state, "root-cert.pem")));

        var result = await MeshProcess.RunAsync("cert", "inspect", chain);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("[0] signing certificate", result.StdOutLines);
        Assert.Contains("[1] signing certificate", result.StdOutLines);
        Assert.Contains("  spiffe id: spiffe://cluster.local", result.StdOutLines);
        Assert.Contains("  key: ECDSA P-256", result.StdOutLines);
        Assert.Contains("ok: no X509-SVID profile violations", result.StdOutLines);
    }

    [Fact]
    public async Task Inspect_lists_every_profile_violation_and_exits_1()
    {
        using var dir = new TempDir();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A "leaf" that breaks several rules at once: no URI SAN, keyCertSign without digitalSignature, EKU without clientAuth.
        var req = new CertificateRequest("CN=bad leaf", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));
        var file = dir.Write("bad.pem", cert.ExportCertificatePem());

        var result = await MeshProcess.RunAsync("cert", "inspect", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("[0] leaf", result.StdOutLines);
        Assert.Contains("  spiffe id: (none: certificate contains no URI SAN)", result.StdOutLines);
        Assert.Contains("  violation: certificate contains no URI SAN", result.StdOutLines);
        Assert.Contains("  violation: leaf certificate must have 'digitalSignature' set as key usage", result.StdOutLines);
        Assert.Contains("  violation: leaf certificate must not have 'keyCertSign' set as key usage", result.StdOutLines);
        Assert.Contains("  violation: leaf certificate extended key usage must include both serverAuth and clientAuth", result.StdOutLines);
        Assert.Contains("4 X509-SVID profile violation(s)", result.StdOutLines);
    }

    [Fact]
    public async Task Inspect_a_file_without_certificates_fails_with_one_line()
    {
        using var dir = new TempDir();

        var result = await MeshProcess.RunAsync("cert", "inspect", dir.Write("empty.pem", "nothing here\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mesh: ", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }
}
