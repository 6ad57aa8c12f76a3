using Mesh.Agent.Config;

namespace Mesh.Agent.Health;

/// <summary>
/// Builds the probe a <see cref="HealthCheckPolicy"/> asks for, and picks the port it checks: the policy has no
/// port of its own, so a check uses the service's first port of the matching protocol (HTTP: an http port; gRPC: a
/// grpc, http2 or http port; TCP: any), falling back to the first port. The workload's target port is what is probed.
/// </summary>
internal static class HealthProbes
{
    public static IHealthProbe Create(HealthCheckPolicy policy, int port, IProbeTransport transport) => policy.Kind switch
    {
        HealthCheckKind.Tcp => new TcpProbe(transport, port),
        HealthCheckKind.Http => new HttpProbe(transport, port, policy.Path, policy.ExpectedStatuses),
        HealthCheckKind.Grpc when transport.SupportsHttp2 => new GrpcProbe(transport, port, policy.GrpcService),
        // Refused here rather than failing every check, which would mark every endpoint unhealthy.
        HealthCheckKind.Grpc => throw new NotSupportedException($"{transport.GetType().Name} cannot carry gRPC health checks (no HTTP/2)"),
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy.Kind, "unknown health check kind"),
    };

    /// <summary>The workload port <paramref name="service"/>'s checks of <paramref name="kind"/> go to; null when it declares none.</summary>
    public static int? PortFor(RegisteredService service, HealthCheckKind kind)
    {
        PortProtocol[] preferred = kind switch
        {
            HealthCheckKind.Http => [PortProtocol.Http],
            HealthCheckKind.Grpc => [PortProtocol.Grpc, PortProtocol.Http2, PortProtocol.Http],
            _ => [],
        };
        foreach (var protocol in preferred)
        {
            if (service.Ports.FirstOrDefault(p => p.Protocol == protocol) is { } match)
            {
                return match.TargetPort;
            }
        }
        return service.Ports.Count > 0 ? service.Ports[0].TargetPort : null;
    }
}
