using System.Net;
using Mesh.Agent.Balancing;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Mesh.Identity;

namespace Mesh.Agent.Health;

/// <summary>
/// Probes through the tunnel, as <paramref name="source"/>: the serving agent authorizes a probe like any other
/// stream, so a check sees what traffic would see (policy, mTLS, the agent itself). TCP: a stream OPEN the serving
/// agent accepts, which it does only after it connected to the workload (a dead workload is refused 503). HTTP and
/// gRPC: the pool's HTTP client for the peer, whose streams carry HTTP/1.1 or HTTP/2 as each request asks.
/// </summary>
internal sealed class MeshProbeTransport(PeerConnectionPool pool, SpiffeId source) : IProbeTransport
{
    public bool SupportsHttp2 => true;

    public async Task<ProbeResult> ConnectAsync(Upstream upstream, int port, CancellationToken ct)
    {
        var target = new IPEndPoint(upstream.Endpoint.Address, port);
        MuxStream stream;
        OpenResult result;
        try
        {
            (stream, result) = await pool.OpenAsync(Key(upstream), new OpenRequest(StreamProtocol.Tcp, target), s => new MuxStreamAdapter(s), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerConnectException or IOException)
        {
            return ProbeResult.Fail($"tunnel to {upstream.Endpoint.Agent}: {e.Message}");
        }
        if (!result.Accepted)
        {
            return ProbeResult.Fail($"agent {upstream.Endpoint.Agent} refused a stream to {target}: status {result.Status}");
        }
        // Accepted means the serving agent has connected to the workload; the probe needs nothing more.
        await ((MuxStreamAdapter)stream.Sink!).DisposeAsync().ConfigureAwait(false);
        return ProbeResult.Pass($"agent {upstream.Endpoint.Agent} connected to {target}");
    }

    public HttpMessageInvoker Http1(Upstream upstream) => pool.HttpInvoker(Key(upstream));

    public HttpMessageInvoker Http2(Upstream upstream) => pool.HttpInvoker(Key(upstream));

    private PeerKey Key(Upstream upstream) => new(source, upstream.Endpoint.Identity, upstream.Endpoint.Agent);
}
