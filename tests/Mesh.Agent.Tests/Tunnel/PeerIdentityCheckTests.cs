using System.Diagnostics;
using System.Net.Sockets;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Tunnel;

/// <summary>
/// The client side checks the server's SPIFFE ID. An openssl s_server holding a genuine SVID of the trust domain,
/// but for another identity, sits where the registry says the backend's agent is; the frontend agent must refuse it.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class PeerIdentityCheckTests(MeshFixture mesh)
{
    [Fact]
    public async Task Agent_presenting_an_unexpected_SPIFFE_ID_is_refused_by_the_outbound_side()
    {
        var (cert, key) = TestCa.WritePem(await mesh.Ca.IssueAsync(MeshFixture.ImpostorId), mesh.Dir, "impostor");
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{mesh.ImpostorPort}", "-cert", cert, "-cert_chain", cert, "-key", key, "-tls1_3", "-alpn", "mesh-mux/1", "-naccept", "5" })
        {
            info.ArgumentList.Add(a);
        }
        using var impostor = Process.Start(info)!;
        var output = impostor.StandardOutput.ReadToEndAsync();
        try
        {
            await WaitForListenerAsync(mesh.ImpostorPort);
            var failuresBefore = mesh.FrontendAgent.Metrics.OutboundTlsHandshakeFailures;

            var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", $"http://127.0.0.1:{mesh.OutboundToImpostorPort}/api/items");

            Assert.EndsWith("502", result.StdOut, StringComparison.Ordinal);
            Assert.True(mesh.FrontendAgent.Metrics.OutboundTlsHandshakeFailures > failuresBefore);
            Assert.True(mesh.FrontendLogs.Contains($"peer presented {MeshFixture.ImpostorId}, expected {MeshFixture.BackendId}"),
                "the frontend agent logs which identity it got and which it expected:\n" + string.Join("\n", mesh.FrontendLogs.Lines));
        }
        finally
        {
            impostor.Kill(entireProcessTree: true);
            await impostor.WaitForExitAsync();
        }
        // The HTTP request never reached the impostor: the handshake failed before any application data.
        Assert.DoesNotContain("/api/items", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Peer_that_completes_the_handshake_but_never_answers_a_stream_is_dropped_after_the_open_timeout()
    {
        // openssl s_server holds the backend's genuine SVID, so the handshake succeeds; it then ignores every frame.
        var (cert, key) = TestCa.WritePem(await mesh.Ca.IssueAsync(MeshFixture.BackendId), mesh.Dir, "silent-backend");
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{mesh.ImpostorPort}", "-cert", cert, "-cert_chain", cert, "-key", key, "-tls1_3", "-alpn", "mesh-mux/1", "-naccept", "5" })
        {
            info.ArgumentList.Add(a);
        }
        using var silent = Process.Start(info)!;
        _ = silent.StandardOutput.ReadToEndAsync();
        try
        {
            await WaitForListenerAsync(mesh.ImpostorPort);
            var started = Stopwatch.StartNew();

            var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", $"http://127.0.0.1:{mesh.OutboundToImpostorPort}/api/items");

            Assert.EndsWith("502", result.StdOut, StringComparison.Ordinal);
            Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(14));
            Assert.True(mesh.FrontendLogs.Contains("did not answer a stream open"), string.Join("\n", mesh.FrontendLogs.Lines));
        }
        finally
        {
            silent.Kill(entireProcessTree: true);
            await silent.WaitForExitAsync();
        }
    }

    private static async Task WaitForListenerAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
