using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Mesh.Cli.Demo;

/// <summary>The demo's probes. Each returns whether the mesh behaved as it must, and what was seen.</summary>
internal static class DemoChecks
{
    public sealed record Outcome(bool Passed, string Seen);

    public static async Task<Outcome> HttpGetAsync(HttpClient client, int port, string path, HttpStatusCode expected, string expectedBody, CancellationToken ct)
    {
        try
        {
            using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var seen = $"HTTP {(int)response.StatusCode}, body: {body}";
            return new Outcome(response.StatusCode == expected && body.Contains(expectedBody, StringComparison.Ordinal), seen);
        }
        catch (HttpRequestException e)
        {
            return new Outcome(false, $"request failed: {e.Message}");
        }
    }

    /// <summary>
    /// Dials the inbound mTLS port with a TLS 1.3 client that has no certificate, then tries to speak HTTP/2.
    /// In TLS 1.3 the server rejects the missing client certificate at the end of the handshake, so the refusal
    /// arrives as an alert on the first read; no application byte may come back.
    /// </summary>
    public static async Task<Outcome> TlsWithoutCertificateAsync(int port, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct).ConfigureAwait(false);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "demo-client-without-certificate",
                EnabledSslProtocols = SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                // This client does not check the server: the point is what the server does with it.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, ct).ConfigureAwait(false);
            await tls.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
            await tls.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }, ct).ConfigureAwait(false);
            var buffer = new byte[1024];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var n = await tls.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return n == 0
                ? new Outcome(true, "the agent closed the connection during the handshake; no data exchanged")
                : new Outcome(false, $"the agent answered with {n} bytes of application data");
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return new Outcome(true, $"handshake refused: {Describe(e)}");
        }
        catch (OperationCanceledException)
        {
            return new Outcome(false, "the agent neither answered nor closed the connection within 5 s");
        }
    }

    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            messages.Add(x.Message.Trim());
        }
        return string.Join(" <- ", messages.Distinct());
    }
}
