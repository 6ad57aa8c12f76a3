using Mesh.Agent.Balancing;

namespace Mesh.Agent.Health;

/// <summary>
/// One kind of active health check (TCP connect, HTTP GET, gRPC Health/Check) against one endpoint. A probe never
/// throws for an unhealthy endpoint: every failure is a <see cref="ProbeResult"/> with the reason. The caller owns the
/// deadline (<paramref name="ct"/> is cancelled at the policy's timeout).
/// </summary>
internal interface IHealthProbe
{
    Task<ProbeResult> ProbeAsync(Upstream upstream, CancellationToken ct);
}
