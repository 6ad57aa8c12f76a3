using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// Probes that connect to the endpoint's own address (tests, and endpoints outside the mesh): plain TCP, HTTP/1.1
/// and h2c. One pooled handler per protocol serves every endpoint; HttpClient pools connections per address.
/// </summary>
internal sealed class DirectProbeTransport : IProbeTransport, IDisposable
{
    private readonly HttpMessageInvoker _http1 = new(NewHandler(), disposeHandler: true);

    // gRPC sets HTTP/2 with RequestVersionExact on each request, which over http:// is h2c with prior knowledge.
    private readonly HttpMessageInvoker _http2 = new(NewHandler(), disposeHandler: true);

    public bool SupportsHttp2 => true;

    public async Task<ProbeResult> ConnectAsync(Upstream upstream, int port, CancellationToken ct)
    {
        var target = new IPEndPoint(upstream.Endpoint.Address, port);
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, ct).ConfigureAwait(false);
            return ProbeResult.Pass($"connected to {target}");
        }
        catch (SocketException e)
        {
            return ProbeResult.Fail($"connect to {target}: {e.SocketErrorCode}");
        }
    }

    public HttpMessageInvoker Http1(Upstream upstream) => _http1;

    public HttpMessageInvoker Http2(Upstream upstream) => _http2;

    private static SocketsHttpHandler NewHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
    };

    public void Dispose()
    {
        _http1.Dispose();
        _http2.Dispose();
    }
}
