using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Root creation, reuse across restarts, and what the root's lifetime does to leaves.</summary>
public sealed class RootLifecycleTests
{
    [Fact]
    public async Task Restart_reuses_the_root_and_the_key_file_is_0600()
    {
        using var dir = new TempDir();
        string firstThumbprint;
        await using (var first = await CaHarness.StartAsync(dir.Path))
        {
            firstThumbprint = first.Server.Bundle.Roots[0].Thumbprint;
        }

        await using var second = await CaHarness.StartAsync(dir.Path);

        Assert.Equal(firstThumbprint, second.Server.Bundle.Roots[0].Thumbprint);
        Assert.Equal(firstThumbprint, TrustBundle.FromPem(CaHarness.Td, File.ReadAllText(second.Server.RootCertPath)).Roots[0].Thumbprint);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir.Path, "root-key.pem")));
        }

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(Path.Combine(dir.Path, "root-key.pem")), StringComparison.Ordinal);
        using var client = second.Client();
        Assert.Equal(CaHarness.Frontend, (await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Root_has_the_ca_profile_openssl_accepts()
    {
        await using var ca = await CaHarness.StartAsync();
        var root = ca.Server.Bundle.Roots[0];

        var (_, subject) = Openssl.Run("x509", "-in", ca.Server.RootCertPath, "-noout", "-subject", "-nameopt", "RFC2253");
        Assert.Equal($"subject=CN=Mesh.Security Root CA,O={CaHarness.Td}", subject.Trim());
        Assert.Empty(SvidProfile.CheckSigning(X509Facts.Of(root)));
        Assert.True(SvidValidator.TryGetSpiffeId(root, out var id, out _));
        Assert.Equal("spiffe://cluster.local", id.ToString());
        Assert.InRange(root.NotAfter - root.NotBefore, TimeSpan.FromDays(3649), TimeSpan.FromDays(3651));
        Assert.Equal(SpiffeId.Parse("spiffe://cluster.local/ns/mesh-system/sa/mesh-ca"), ca.Server.CaId);
    }

    [Fact]
    public async Task Leaf_not_after_is_capped_at_the_root_not_after()
    {
        using var dir = new TempDir();
        // Create the root "ten years ago" so that it expires in about 30 minutes, then run the CA
        // on the real clock with a 1 h default TTL.
        var past = new FixedTimeProvider(DateTimeOffset.UtcNow - RootTemplateLifetime + TimeSpan.FromMinutes(30));
        await (await CaHarness.StartAsync(dir.Path, past, bootstrapNode: false)).DisposeAsync();

        await using var ca = await CaHarness.StartAsync(dir.Path);
        using var client = ca.Client();
        var svid = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        var rootNotAfter = ca.Server.Bundle.Roots[0].NotAfter.ToUniversalTime();
        Assert.True(rootNotAfter < DateTime.UtcNow.AddMinutes(31));
        Assert.Equal(rootNotAfter, svid.NotAfter.UtcDateTime);
        Assert.Empty(SvidValidator.CheckLeafProfile(svid.Leaf));
    }

    [Fact]
    public async Task Half_a_state_dir_is_refused_instead_of_minting_a_new_root()
    {
        using var dir = new TempDir();
        await (await CaHarness.StartAsync(dir.Path)).DisposeAsync();
        File.Delete(Path.Combine(dir.Path, "root-cert.pem"));

        File.Delete(Path.Combine(dir.Path, "ca-journal.json"));

        var ex = await Assert.ThrowsAsync<CaKeyException>(() => CaHarness.StartAsync(dir.Path));
        Assert.Contains("holds only one of", ex.Message, StringComparison.Ordinal);
    }

    private static TimeSpan RootTemplateLifetime => TimeSpan.FromDays(3650) - TimeSpan.FromSeconds(60);
}
