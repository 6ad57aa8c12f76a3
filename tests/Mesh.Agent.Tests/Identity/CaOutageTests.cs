using System.Net;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Identity;

/// <summary>
/// Real agents, a real CA that goes away: certificates outlive an outage longer than half their lifetime, renew when
/// the CA is back, and an identity whose certificate ran out fails closed and says so.
/// </summary>
public sealed class CaOutageTests
{
    [Fact]
    public async Task Traffic_flows_through_an_outage_longer_than_half_a_lifetime_and_certificates_renew_afterwards()
    {
        // 20 s certificates: renewal is due about 10 s after issuance; the CA is away for 13 s of that.
        await using var pair = await MeshPair.StartAsync(TimeSpan.FromSeconds(20));
        var installedBefore = pair.InstalledCertificates;
        using var traffic = new Traffic(pair.ItemsUrl);

        await pair.Ca.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(13));
        var renewalFailedDuringOutage = pair.Logs.Contains("could not be renewed");
        await pair.Ca.RestartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (pair.InstalledCertificates < installedBefore + 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        await Task.Delay(1000);
        var (ok, failed, firstFailure) = await traffic.StopAsync();

        Assert.True(renewalFailedDuringOutage, "the agents should have tried, and failed, to renew while the CA was down");
        Assert.True(pair.InstalledCertificates >= installedBefore + 2, "both identities should renew once the CA is back");
        Assert.True(failed == 0, $"{failed} of {ok + failed} requests failed during the outage; first: {firstFailure}");
        Assert.True(ok > 100, $"only {ok} requests went through");
    }

    [Fact]
    public async Task Without_a_valid_certificate_an_identity_fails_closed_and_readiness_says_so_until_the_CA_is_back()
    {
        await using var pair = await MeshPair.StartAsync(TimeSpan.FromSeconds(4));
        using var admin = new HttpClient { BaseAddress = new Uri($"http://{pair.BackendAgent.AdminEndpoint}") };
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/ready")).StatusCode);

        await pair.Ca.StopAsync();
        // The 4 s certificate (plus 60 s of backdating at the front) runs out while the CA is away.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var notReady = await admin.GetAsync("/ready");
        var body = await notReady.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("no valid certificate for spiffe://cluster.local/ns/demo/sa/backend", body, StringComparison.Ordinal);
        Assert.True(pair.Logs.Contains("fail closed, no plaintext fallback"), "the agent should say it fails closed");

        await pair.Ca.RestartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250);
            status = (await admin.GetAsync("/ready")).StatusCode;
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
