using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Inbound;

/// <summary>
/// Clients that dial the inbound mTLS port directly, as curl and openssl (real TLS stacks nobody here wrote).
/// curl speaks the agent protocol (HTTP/2, mesh-destination header), so the positive control shows that only the
/// credential differs between the accepted and the refused cases.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class InboundRefusalTests(MeshFixture mesh)
{
    private string InboundUrl(string path) => $"https://127.0.0.1:{mesh.BackendAgent.InboundEndpoint.Port}{path}";
    private string Destination => $"mesh-destination: 127.0.0.1:{mesh.Backend.HttpPort}";

    private Task<ExternalTool.Result> CurlInboundAsync(string path, params string[] credentials) =>
        // -k: curl cannot check a SPIFFE certificate by host name; these tests are about what the server accepts.
        ExternalTool.CurlAsync(["--http2", "-k", "-w", "\n%{http_code}", "-H", Destination, .. credentials, InboundUrl(path)]);

    [Fact]
    public async Task Positive_control_a_valid_allowed_SVID_gets_through()
    {
        var (cert, key) = TestCa.WritePem(await mesh.Ca.IssueAsync(MeshFixture.FrontendId), mesh.Dir, "frontend-direct");

        var result = await CurlInboundAsync("/api/items", "--cert", cert, "--key", key);

        Assert.Equal($"{TestBackend.ItemsBody}\n200", result.StdOut);
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
        var (cert, key) = TestCa.WritePem(await mesh.Ca.IssueAsync(MeshFixture.IntruderId), mesh.Dir, "intruder");

        var result = await CurlInboundAsync("/api/items", "--cert", cert, "--key", key);

        Assert.Equal("RBAC: access denied\n403", result.StdOut);
        var record = (await mesh.DecisionsAsync()).Last(r => r.TryGetProperty("source_principal", out var p) && p.GetString() == MeshFixture.IntruderId.ToString());
        Assert.Equal("DENY", record.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Destination_that_is_not_a_local_workload_is_refused_not_proxied()
    {
        var (cert, key) = TestCa.WritePem(await mesh.Ca.IssueAsync(MeshFixture.FrontendId), mesh.Dir, "frontend-open-proxy");

        var result = await ExternalTool.CurlAsync("--http2", "-k", "-w", "\n%{http_code}", "--cert", cert, "--key", key,
            "-H", $"mesh-destination: 127.0.0.1:{mesh.Ca.Server.Address.Port}", InboundUrl("/"));

        Assert.EndsWith("\n404", result.StdOut, StringComparison.Ordinal);
    }
}
