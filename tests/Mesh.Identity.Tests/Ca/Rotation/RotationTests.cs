using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>
/// Rotation on a real CA and a real state dir under virtual time: every phase, the bundle in each,
/// restarts mid-rotation, and leaves signed before activation trusted until retire.
/// </summary>
public sealed class RotationTests
{
    private static readonly TimeSpan Publish = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromHours(2);

    [Fact]
    public async Task Root_rotation_prepare_activate_retire_with_restarts_in_between()
    {
        using var dir = new TempDir();
        var time = new FixedTimeProvider(DateTimeOffset.UtcNow);
        var ca = await Start(dir, time);
        try
        {
            var oldRoot = Assert.Single(ca.Server.Bundle.Roots);
            var oldSigner = ca.Server.Keyring.Current.Signer;
            // The X.509 keys; the JWT-SVID signing key (jwt-key.pem) is not part of this rotation.
            var oldFiles = Directory.GetFiles(dir.Path, "*-key.pem").Select(Path.GetFileName).Where(f => f != "jwt-key.pem").ToList();

            Assert.Equal("root:requested", RotationRequest.Request(ca.Options, root: true, time));
            var refused = Assert.Throws<CaKeyException>(() => RotationRequest.Request(ca.Options, root: false, time));
            Assert.Contains("a root rotation is already in progress (phase requested", refused.Message, StringComparison.Ordinal);

            // prepare: the new root is published next to the old one; the old intermediate still signs.
            ca.Server.Tick();
            Assert.Equal("root:prepared", ca.Server.Keyring.Current.RotationState);
            Assert.Equal(oldSigner.Thumbprint, ca.Server.Keyring.Current.Signer.Thumbprint);
            var newRoot = Assert.Single(ca.Server.Bundle.Roots, r => r.Thumbprint != oldRoot.Thumbprint);
            Assert.Equal([oldRoot.Thumbprint, newRoot.Thumbprint], ca.Server.Bundle.Roots.Select(r => r.Thumbprint));
            Assert.Equal(2, TrustBundle.FromPem(CaHarness.Td, File.ReadAllText(ca.Server.RootCertPath)).Roots.Count);
            var polled = await ca.RawTrustBundleAsync();
            Assert.Equal("root:prepared", polled.RotationState);
            Assert.Equal(2, polled.TrustBundle.Count);

            // Restart while prepared: same phase, same bundle, same signer.
            await ca.DisposeAsync();
            ca = await Start(dir, time);
            Assert.Equal("root:prepared", ca.Server.Keyring.Current.RotationState);
            Assert.Equal(oldSigner.Thumbprint, ca.Server.Keyring.Current.Signer.Thumbprint);
            Assert.Equal(2, ca.Server.Bundle.Roots.Count);

            // The last leaf under the old key, signed one second before activation.
            time.Now += Publish - TimeSpan.FromSeconds(1);
            ca.Server.Tick();
            Assert.Equal("root:prepared", ca.Server.Keyring.Current.RotationState);
            var lastOld = Issue(ca, time);

            time.Now += TimeSpan.FromSeconds(1);
            ca.Server.Tick();
            var active = ca.Server.Keyring.Current;
            Assert.Equal("root:active", active.RotationState);
            Assert.NotEqual(oldSigner.Thumbprint, active.Signer.Thumbprint);
            Assert.Equal(newRoot.Subject, active.Signer.Issuer);
            Assert.Equal(active.Signer.Subject, ca.Server.ServerCertificate.Issuer);
            var firstNew = Issue(ca, time);
            Assert.Equal(newRoot.Thumbprint, firstNew.FullChain[^1].Thumbprint);

            // Restart while active: resumes exactly.
            var activatedAt = time.Now;
            await ca.DisposeAsync();
            ca = await Start(dir, time);
            Assert.Equal("root:active", ca.Server.Keyring.Current.RotationState);
            Assert.Equal(active.Signer.Thumbprint, ca.Server.Keyring.Current.Signer.Thumbprint);

            // Until retire, leaves of both generations verify against the one published bundle.
            time.Now = lastOld.NotAfter - TimeSpan.FromSeconds(1);
            ca.Server.Tick();
            Assert.Equal("root:active", ca.Server.Keyring.Current.RotationState);
            Assert.True(Verify(lastOld, ca, time).Ok, Verify(lastOld, ca, time).Failure);
            Assert.True(Verify(firstNew, ca, time).Ok, Verify(firstNew, ca, time).Failure);

            time.Now = activatedAt + MaxTtl + RotationPlanner.RetireMargin - TimeSpan.FromSeconds(1);
            ca.Server.Tick();
            Assert.Equal("root:active", ca.Server.Keyring.Current.RotationState);

            // retire: the old root leaves the bundle, the old keys leave the disk.
            time.Now += TimeSpan.FromSeconds(1);
            ca.Server.Tick();
            Assert.Equal("idle", ca.Server.Keyring.Current.RotationState);
            Assert.Equal(newRoot.Thumbprint, Assert.Single(ca.Server.Bundle.Roots).Thumbprint);
            Assert.Equal(newRoot.Thumbprint, Assert.Single(TrustBundle.FromPem(CaHarness.Td, File.ReadAllText(ca.Server.RootCertPath)).Roots).Thumbprint);
            Assert.All(oldFiles, f => Assert.False(File.Exists(Path.Combine(dir.Path, f!)), $"{f} should be deleted at retire"));
            Assert.False(SvidValidator.VerifyPeer(lastOld.Leaf, lastOld.Chain, ca.Server.Bundle, lastOld.NotAfter - TimeSpan.FromSeconds(1)).Ok);

            // A new rotation may now be requested.
            Assert.Equal("intermediate:requested", RotationRequest.Request(ca.Options, root: false, time));
        }
        finally
        {
            await ca.DisposeAsync();
        }
    }

    [Fact]
    public async Task Intermediate_rotation_keeps_the_bundle_and_retires_the_old_intermediate()
    {
        using var dir = new TempDir();
        var time = new FixedTimeProvider(DateTimeOffset.UtcNow);
        await using var ca = await Start(dir, time);
        var root = Assert.Single(ca.Server.Bundle.Roots);
        var oldSigner = ca.Server.Keyring.Current.Signer;
        var before = Issue(ca, time);

        RotationRequest.Request(ca.Options, root: false, time);
        ca.Server.Tick();
        Assert.Equal("intermediate:prepared", ca.Server.Keyring.Current.RotationState);
        Assert.Equal(oldSigner.Thumbprint, ca.Server.Keyring.Current.Signer.Thumbprint);

        ca.Server.Tick();
        var active = ca.Server.Keyring.Current;
        Assert.Equal("intermediate:active", active.RotationState);
        Assert.NotEqual(oldSigner.Thumbprint, active.Signer.Thumbprint);
        Assert.Equal(root.Thumbprint, Assert.Single(active.Bundle.Roots).Thumbprint);
        Assert.Equal(active.Signer.Subject, ca.Server.ServerCertificate.Issuer);
        var after = Issue(ca, time);
        Assert.True(Verify(before, ca, time).Ok);
        Assert.True(Verify(after, ca, time).Ok);
        using (var d = new TempDir())
        {
            File.WriteAllText(d.File("root.pem"), root.ExportCertificatePem());
            File.WriteAllText(d.File("int.pem"), after.Chain[0].ExportCertificatePem());
            File.WriteAllText(d.File("leaf.pem"), after.Leaf.ExportCertificatePem());
            var (exit, output) = Openssl.Run("verify", "-x509_strict", "-attime", time.Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-CAfile", d.File("root.pem"), "-untrusted", d.File("int.pem"), d.File("leaf.pem"));
            Assert.True(exit == 0, output);
        }

        time.Now += MaxTtl + RotationPlanner.RetireMargin;
        ca.Server.Tick();
        Assert.Equal("idle", ca.Server.Keyring.Current.RotationState);
        Assert.False(File.Exists(Path.Combine(dir.Path, "intermediate-key.pem")));
        Assert.Equal(root.Thumbprint, Assert.Single(ca.Server.Bundle.Roots).Thumbprint);
    }

    [Fact]
    public async Task Read_only_replica_follows_the_journal_without_advancing_it()
    {
        using var dir = new TempDir();
        var time = new FixedTimeProvider(DateTimeOffset.UtcNow);
        await using var leader = await Start(dir, time);
        await using var follower = await CaHarness.StartAsync(dir.Path, time, bootstrapNode: false,
            configure: o => o with { MaxTtl = MaxTtl, Rotation = new CaRotationOptions { PublishBeforeActivate = Publish, PollInterval = TimeSpan.FromHours(1), Drive = false } });

        RotationRequest.Request(leader.Options, root: true, time);
        follower.Server.Tick();
        Assert.Equal("root:requested", follower.Server.Keyring.Current.RotationState);
        Assert.Single(follower.Server.Bundle.Roots);

        leader.Server.Tick();
        follower.Server.Tick();
        Assert.Equal("root:prepared", follower.Server.Keyring.Current.RotationState);
        Assert.Equal(leader.Server.Bundle.ToPem(), follower.Server.Bundle.ToPem());
        Assert.Equal(leader.Server.Keyring.Current.Signer.Thumbprint, follower.Server.Keyring.Current.Signer.Thumbprint);
    }

    private static Task<CaHarness> Start(TempDir dir, TimeProvider time) =>
        CaHarness.StartAsync(dir.Path, time, bootstrapNode: false, configure: o => o with
        {
            MaxTtl = MaxTtl,
            // The timer runs on the real clock; a long period keeps it out of the way of the test's own ticks.
            Rotation = new CaRotationOptions { PublishBeforeActivate = Publish, PollInterval = TimeSpan.FromHours(1) },
        });

    private static Signed Issue(CaHarness ca, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new Issuer(ca.Server.Keyring, ca.Options, time);
        var issued = Assert.IsType<IssuanceOutcome.Issued>(issuer.Sign(new PublicKey(key), CaHarness.Frontend, (long)MaxTtl.TotalSeconds));
        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(issued.Chain.Where(c => !CaKeys.IsSelfIssued(c)).ToArray());
        return new Signed(issued.Leaf, intermediates, issued.Chain);
    }

    private static PeerVerification Verify(Signed signed, CaHarness ca, FixedTimeProvider time) =>
        SvidValidator.VerifyPeer(signed.Leaf, signed.Intermediates, ca.Server.Bundle, time.Now);

    private sealed record Signed(X509Certificate2 Leaf, X509Certificate2Collection Intermediates, X509Certificate2Collection FullChain)
    {
        internal DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);

        internal X509Certificate2Collection Chain => Intermediates;
    }
}
