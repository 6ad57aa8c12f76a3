using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>Healthy when a connection to the endpoint's port can be made (Envoy's TCP check with no payload).</summary>
internal sealed class TcpProbe(IProbeTransport transport, int port) : IHealthProbe
{
    public Task<ProbeResult> ProbeAsync(Upstream upstream, CancellationToken ct) => transport.ConnectAsync(upstream, port, ct);
}
