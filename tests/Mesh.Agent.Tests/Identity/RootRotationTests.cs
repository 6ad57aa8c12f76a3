using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Agent.Tests.Support;
using Mesh.Ca;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Identity;

/// <summary>
/// A root rotation of the real CA, prepare -> activate -> retire, while traffic flows between two real agents: the
/// agents learn the new root from the bundle poll before anything is signed under it, renew onto it, drop the old one
/// at retire, and not one request fails.
/// </summary>
public sealed class RootRotationTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Publish = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Root_rotation_under_continuous_traffic_fails_no_request()
    {
        await using var pair = await MeshPair.StartAsync(Ttl, o => o with
        {
            MaxTtl = Ttl,
            NodeTtl = Ttl,
            Rotation = new CaRotationOptions { PublishBeforeActivate = Publish, PollInterval = TimeSpan.FromMilliseconds(500) },
        }, bundleRefresh: TimeSpan.FromSeconds(1));
        var oldRoot = Assert.Single(pair.Ca.Server.Bundle.Roots).Thumbprint;
        using var traffic = new Traffic(pair.ItemsUrl);
        await Task.Delay(1000);

        RotationRequest.Request(pair.Ca.Options, root: true);
        await WaitFor(() => State(pair) == "root:prepared", TimeSpan.FromSeconds(10), "the CA should prepare the new root");
        var newRoot = pair.Ca.Server.Bundle.Roots.Single(r => r.Thumbprint != oldRoot).Thumbprint;
        // Both agents hold old + new before anything is signed under the new root.
        await WaitFor(() => BundleUpdates(pair, roots: 2) >= 2, TimeSpan.FromSeconds(5), "both agents should poll the two-root bundle");
        Assert.Equal("root:prepared", State(pair));

        await WaitFor(() => State(pair) == "root:active", TimeSpan.FromSeconds(15), "the CA should activate the new root");
        // A certificate under the new root is accepted by the serving agent on a fresh handshake.
        Assert.True(await ProbeAsync(pair), "a fresh handshake with a new-root certificate should be accepted");
        // Both agents renew onto the new root (10 s certificates renew after about 5 s).
        var installedAtActivation = pair.InstalledCertificates;
        await WaitFor(() => pair.InstalledCertificates >= installedAtActivation + 2, TimeSpan.FromSeconds(15), "both identities should renew under the new root");

        // Retire: activation + maxTtl + the planner's one-minute margin.
        await WaitFor(() => State(pair) == "idle", TimeSpan.FromSeconds(90), "the CA should retire the old root");
        Assert.Equal(newRoot, Assert.Single(pair.Ca.Server.Bundle.Roots).Thumbprint);
        await WaitFor(() => BundleUpdates(pair, roots: 1) >= 2, TimeSpan.FromSeconds(5), "both agents should drop the old root");
        Assert.True(await ProbeAsync(pair), "after retire, new-root certificates are still accepted");
        await Task.Delay(1000);

        var (ok, failed, first) = await traffic.StopAsync();
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the rotation; first: {first}");
        Assert.True(ok > 500, $"only {ok} requests went through");
    }

    private static string State(MeshPair pair) => pair.Ca.Server.Keyring.Current.RotationState;


    private static int BundleUpdates(MeshPair pair, int roots) =>
        pair.Logs.Lines.Count(l => l.Contains($"[120] Trust bundle updated: {roots} root(s)", StringComparison.Ordinal));

    /// <summary>Signs a frontend SVID with the CA's current signer and opens a stream to the backend with it.</summary>
    private static async Task<bool> ProbeAsync(MeshPair pair)
    {
        var keys = pair.Ca.Server.Keyring.Current;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new Issuer(pair.Ca.Server.Keyring, pair.Ca.Options, TimeProvider.System);
        if (issuer.Sign(new PublicKey(key), MeshPair.FrontendId, 60) is not IssuanceOutcome.Issued issued)
        {
            return false;
        }
        var svid = new IssuedSvid(MeshPair.FrontendId, issued.Leaf.CopyWithPrivateKey(key), [.. keys.Intermediates], keys.Bundle);
        await using var peer = await TestPeer.ConnectAsync(pair.BackendAgent.InboundEndpoint, svid, MeshPair.BackendId);
        var (result, response) = await peer.GetAsync(new IPEndPoint(IPAddress.Loopback, pair.Backend.HttpPort), "/api/items");
        return result.Accepted && response is not null && response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
    }

    private static async Task WaitFor(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {what}");
            await Task.Delay(100);
        }
    }
}
