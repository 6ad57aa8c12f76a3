using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Inbound;
using Mesh.Agent.Net;
using Mesh.Agent.Outbound;
using Mesh.Agent.Redirect;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Intercept;

/// <summary>
/// A connection a pod's app made, captured by the redirect rules: its original destination (SO_ORIGINAL_DST) names a
/// workload of the registry, and the connection goes there through the tunnel, as the pod's identity, from a socket
/// made inside the pod. HTTP ports are handed to the HTTP path (each request a stream); other ports are one TCP stream.
/// A destination outside the mesh is connected directly from the pod, or refused, per <see cref="OutsideMeshMode"/>.
/// </summary>
internal sealed partial class InterceptedOutbound(
    Func<ServiceRegistry> registry,
    ServiceClusters clusters,
    InterceptOptions options,
    OutboundTcpProxy tcp,
    HttpHandover http,
    AgentMetrics metrics,
    ILogger<InterceptedOutbound> logger)
{
    /// <summary>How long an undeclared port's client may stay silent before it is taken for TCP (a server-first protocol).</summary>
    public static readonly TimeSpan SniffWindow = TimeSpan.FromMilliseconds(200);

    public async Task HandleAsync(Socket app, PodServer source, CancellationToken ct)
    {
        IPEndPoint original;
        try
        {
            original = OriginalDestination.Get(app);
        }
        catch (RedirectException e)
        {
            LogNoDestination(logger, source.Pod.Key, e.Message);
            app.Dispose();
            return;
        }
        var current = registry();
        if (current.FindByVirtualAddress(original.Address) is { } service)
        {
            // A service address (ClusterIP): its balancer picks the endpoint, per connection or per request.
            metrics.Captured(toMesh: true, passthrough: false);
            var servicePort = service.FindPort(original.Port) ?? new ServicePort(original.Port, original.Port, PortProtocol.Tcp);
            var balanced = OutboundRoute.ForPod(clusters.GetOrAdd(service, source.Pod.Identity), servicePort, source.Pod.Identity, source.Sockets);
            await ForwardAsync(app, balanced, ct).ConfigureAwait(false);
            return;
        }
        if (current.FindEndpoint(original.Address) is not { } found)
        {
            await OutsideMeshAsync(app, source, original, ct).ConfigureAwait(false);
            return;
        }
        metrics.Captured(toMesh: true, passthrough: false);
        var (owner, endpoint) = found;
        // The port as the app dialled it is the workload's port (targetPort). A port the registry does not declare is
        // sniffed: HTTP/1.x or h2c goes the HTTP way (each request authorized), anything else is TCP.
        var port = owner.Ports.FirstOrDefault(p => p.TargetPort == original.Port);
        if (port is null)
        {
            var detected = await Net.HttpSniffer.DetectAsync(app, SniffWindow, ct).ConfigureAwait(false);
            if (detected is null)
            {
                app.Dispose();
                return;
            }
            port = new ServicePort(original.Port, original.Port, detected == PortProtocol.Tcp ? PortProtocol.Tcp : PortProtocol.Http);
        }
        var key = new PeerKey(source.Pod.Identity, endpoint.Identity, endpoint.Agent) { Via = source.Sockets };
        await ForwardAsync(app, OutboundRoute.Pinned(owner.Name, port, key, original), ct).ConfigureAwait(false);
    }

    /// <summary>HTTP ports go to the HTTP path (each request a stream); other ports are one TCP stream.</summary>
    private Task ForwardAsync(Socket app, OutboundRoute route, CancellationToken ct) =>
        route.Port.Protocol != PortProtocol.Tcp
            ? http.HandOverAsync(app, items => ListenerRole.Attach(items, new ListenerRole.OutboundHttp(route)), ct)
            : tcp.HandleAsync(app, route, ct);

    private async Task OutsideMeshAsync(Socket app, PodServer source, IPEndPoint original, CancellationToken ct)
    {
        metrics.Captured(toMesh: false, passthrough: options.OutsideMesh == OutsideMeshMode.Passthrough);
        if (options.OutsideMesh == OutsideMeshMode.Refuse)
        {
            LogOutsideRefused(logger, source.Pod.Key, original.ToString());
            app.Dispose();
            return;
        }
        Socket upstream;
        try
        {
            upstream = await source.Sockets.ConnectAsync(original, WorkloadBackend.ConnectTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            LogOutsideFailed(logger, source.Pod.Key, original.ToString(), e.Message);
            app.Dispose();
            return;
        }
        LogPassthrough(logger, source.Pod.Key, original.ToString());
        await SocketPipe.RunAsync(app, upstream, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Captured connection from pod {Pod} closed: {Reason}")]
    private static partial void LogNoDestination(ILogger logger, string pod, string reason);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Pod {Pod} -> {Destination}: not in the mesh and intercept.outsideMesh is refuse; connection closed")]
    private static partial void LogOutsideRefused(ILogger logger, string pod, string destination);

    [LoggerMessage(EventId = 602, Level = LogLevel.Debug, Message = "Pod {Pod} -> {Destination}: not in the mesh; passed through in plaintext")]
    private static partial void LogPassthrough(ILogger logger, string pod, string destination);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Pod {Pod} -> {Destination} (outside the mesh): {Reason}; connection closed")]
    private static partial void LogOutsideFailed(ILogger logger, string pod, string destination, string reason);
}
