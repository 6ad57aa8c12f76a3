using System.Net;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tests.Inbound;

/// <summary>
/// Clients that dial the inbound mTLS port directly. TLS-level refusals are probed with curl and openssl (real TLS
/// stacks nobody here wrote); what a client with a valid SVID may do is probed with <see cref="TestPeer"/>, which
/// speaks the agent protocol, so the positive control shows that only the credential differs between cases.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class InboundRefusalTests(MeshFixture mesh)
{
    private string InboundUrl(string path) => $"https://127.0.0.1:{mesh.BackendAgent.InboundEndpoint.Port}{path}";
    private Task<ExternalTool.Result> CurlInboundAsync(string path, params string[] credentials) =>
        // -k: curl cannot check a SPIFFE certificate by host name; these tests are about what the server accepts.
        ExternalTool.CurlAsync(["-k", "-w", "\n%{http_code}", .. credentials, InboundUrl(path)]);

    private IPEndPoint BackendHttp => new(IPAddress.Loopback, mesh.Backend.HttpPort);

    [Fact]
    public async Task Positive_control_a_valid_allowed_SVID_gets_through()
    {
        await using var peer = await TestPeer.ConnectAsync(mesh.BackendAgent.InboundEndpoint, await mesh.Ca.IssueAsync(MeshFixture.FrontendId), MeshFixture.BackendId);

        var (result, response) = await peer.GetAsync(BackendHttp, "/api/items");

        Assert.True(result.Accepted);
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.EndsWith(TestBackend.ItemsBody, response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_without_a_certificate_is_refused_in_the_handshake()
    {
        var result = await CurlInboundAsync("/api/items");

        // In TLS 1.3 the client finishes its side of the handshake before the server checks the client's
        // certificate; the server then closes without a response (.NET on Linux sends no alert), so curl sees
        // the stream end with no HTTP status at all.
        Assert.NotEqual(0, result.ExitCode);
        Assert.EndsWith("000", result.StdOut, StringComparison.Ordinal);
        Assert.True(mesh.BackendLogs.Contains("refused: peer presented no certificate"), "the agent logs why");
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_1")]
    public async Task Openssl_client_offering_only_an_older_TLS_version_fails_the_handshake(string version)
    {
        var result = await ExternalTool.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{mesh.BackendAgent.InboundEndpoint.Port}", version, "-alpn", "h2"], stdin: "");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("Cipher is TLS", result.StdOut, StringComparison.Ordinal);
        Assert.Matches("alert|no protocols available|wrong version|unsupported protocol", result.StdErr + result.StdOut);
    }

    [Fact]
    public async Task Certificate_from_another_CA_is_refused_in_the_handshake()
    {
        await using var rogue = await TestCa.StartAsync(MeshFixture.FrontendId);
        var (cert, key) = TestCa.WritePem(await rogue.IssueAsync(MeshFixture.FrontendId), mesh.Dir, "rogue-frontend");

        var result = await CurlInboundAsync("/api/items", "--cert", cert, "--key", key);

        Assert.NotEqual(0, result.ExitCode);
        Assert.EndsWith("000", result.StdOut, StringComparison.Ordinal);
        Assert.True(mesh.BackendLogs.Lines.Any(l => l.Contains("Inbound TLS handshake", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal) && !l.Contains("no certificate", StringComparison.Ordinal)),
            "the agent logs the chain failure");
    }

    [Fact]
    public async Task Valid_SVID_whose_identity_no_policy_allows_gets_403_and_a_DENY_record()
    {
        await using var peer = await TestPeer.ConnectAsync(mesh.BackendAgent.InboundEndpoint, await mesh.Ca.IssueAsync(MeshFixture.IntruderId), MeshFixture.BackendId);

        var (_, response) = await peer.GetAsync(BackendHttp, "/api/items");

        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.EndsWith("RBAC: access denied", response, StringComparison.Ordinal);
        var record = (await mesh.DecisionsAsync()).Last(r => r.Str("source.principal") == MeshFixture.IntruderId.ToString());
        Assert.Equal("DENY", record.Str("result.decision"));
        Assert.Equal("no_allow_match", record.Str("result.reason"));
        Assert.Equal(403, record.Int("result.http_status"));
    }

    [Fact]
    public async Task Valid_SVID_whose_identity_no_policy_allows_cannot_open_a_tcp_stream()
    {
        await using var peer = await TestPeer.ConnectAsync(mesh.BackendAgent.InboundEndpoint, await mesh.Ca.IssueAsync(MeshFixture.IntruderId), MeshFixture.BackendId);

        var result = await peer.OpenTcpAsync(new IPEndPoint(IPAddress.Loopback, mesh.Backend.TcpPort));

        Assert.Equal(OpenResult.Forbidden, result.Status);
        var record = (await mesh.DecisionsAsync()).Single(r => r.GetProperty("id").GetString() == result.DecisionId);
        Assert.Equal("DENY", record.Str("result.decision"));
        Assert.Equal("tcp", record.Str("request.protocol"));
        Assert.Null(record.Int("result.http_status"));
    }

    [Fact]
    public async Task Destination_that_is_not_a_local_workload_is_refused_not_proxied()
    {
        await using var peer = await TestPeer.ConnectAsync(mesh.BackendAgent.InboundEndpoint, await mesh.Ca.IssueAsync(MeshFixture.FrontendId), MeshFixture.BackendId);

        var (result, _) = await peer.GetAsync(new IPEndPoint(IPAddress.Loopback, mesh.Ca.Server.Address.Port), "/");

        Assert.Equal(OpenResult.NotFound, result.Status);
    }

    [Fact]
    public async Task Stream_for_a_workload_of_another_identity_than_the_connection_proved_is_refused()
    {
        // The client asks (by SNI) for the impostor identity, which this node does not serve: no handshake at all.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var peer = await TestPeer.ConnectAsync(mesh.BackendAgent.InboundEndpoint, await mesh.Ca.IssueAsync(MeshFixture.FrontendId), MeshFixture.ImpostorId);
            await peer.GetAsync(BackendHttp, "/api/items");
        });
    }
}
