namespace Mesh.Identity.Tests.Client;

/// <summary>The client authenticates the CA before it sends its token.</summary>
public sealed class CaClientTests
{
    [Fact]
    public async Task Refuses_a_CA_whose_server_cert_is_from_another_root()
    {
        await using var trusted = await CaHarness.StartAsync();
        await using var impostor = await CaHarness.StartAsync();
        var token = impostor.NewJoinToken("node-a");
        using var client = new CaClient(new CaClientOptions(impostor.Server.Address, trusted.Server.Bundle) { BearerToken = token });

        var before = impostor.AuditLines().Length;
        var ex = await Assert.ThrowsAsync<CaClientException>(() => client.RequestSvidAsync(CaHarness.NodeA, CancellationToken.None));

        Assert.Contains("CA server certificate rejected: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not signed by a root in the trust bundle", ex.Message, StringComparison.Ordinal);
        // The token never reached the impostor: nothing new in its audit log.
        Assert.Equal(before, impostor.AuditLines().Length);
    }

    [Fact]
    public async Task Refuses_a_CA_with_an_unexpected_identity()
    {
        await using var ca = await CaHarness.StartAsync();
        using var client = new CaClient(new CaClientOptions(ca.Server.Address, ca.Server.Bundle)
        {
            BearerToken = ca.NewJoinToken("node-a"),
            ExpectedCaId = SpiffeId.Parse("spiffe://cluster.local/ns/mesh-system/sa/other"),
        });

        var ex = await Assert.ThrowsAsync<CaClientException>(() => client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None));

        Assert.Contains("expected spiffe://cluster.local/ns/mesh-system/sa/other", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_request_uses_a_fresh_key()
    {
        await using var ca = await CaHarness.StartAsync();
        using var client = ca.Client();

        var a = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);
        var b = await client.RequestSvidAsync(CaHarness.Frontend, CancellationToken.None);

        Assert.NotEqual(a.Leaf.PublicKey.ExportSubjectPublicKeyInfo(), b.Leaf.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(a.Leaf.SerialNumber, b.Leaf.SerialNumber);
    }
}
