using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// How a probe reaches an endpoint: <see cref="DirectProbeTransport"/> connects to the workload's address itself,
/// <see cref="MeshProbeTransport"/> goes through the mTLS tunnel to the agent serving it, as a mesh identity.
/// The probe kinds are the same either way; only this seam changes.
/// </summary>
internal interface IProbeTransport
{
    /// <summary>Whether <see cref="Http2"/> can be used (gRPC checks need HTTP/2 end to end).</summary>
    bool SupportsHttp2 { get; }

    /// <summary>Connects to the endpoint's <paramref name="port"/> and closes again; passes when the connection is made.</summary>
    Task<ProbeResult> ConnectAsync(Upstream upstream, int port, CancellationToken ct);

    /// <summary>An HTTP/1.1 client whose request URI is the workload's own http://address:port.</summary>
    HttpMessageInvoker Http1(Upstream upstream);

    /// <summary>An HTTP/2 (h2c) client for gRPC; only when <see cref="SupportsHttp2"/>.</summary>
    HttpMessageInvoker Http2(Upstream upstream);
}
