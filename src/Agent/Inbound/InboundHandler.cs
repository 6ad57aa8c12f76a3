using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Tunnel;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Handles each stream a peer agent opens: finds the local workload it names, authorizes it with the peer's
/// verified SPIFFE ID, and on ALLOW relays a TCP stream or forwards an HTTP request to the workload.
/// DENY is a 403 (`RBAC: access denied` for HTTP; for TCP the client agent closes the app's connection).
/// </summary>
internal sealed partial class InboundHandler(
    LocalWorkloads workloads,
    InboundAuthorizer authorizer,
    IHttpForwarder forwarder,
    ILogger<InboundHandler> logger) : IDisposable
{
    private static readonly TimeSpan BackendConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpMessageInvoker _backend = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectTimeout = BackendConnectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
    });

    public async Task HandleAsync(HttpContext context)
    {
        var connection = InboundConnection.From(context);
        if (connection?.Peer is null)
        {
            // Unreachable when the handshake worked; fail closed if it is ever reached.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        if (!IPEndPoint.TryParse(context.Request.Headers[TunnelProtocol.DestinationHeader].ToString(), out var destination))
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, $"missing or malformed {TunnelProtocol.DestinationHeader} header").ConfigureAwait(false);
            return;
        }
        if (!workloads.TryFind(destination, out var workload, out var port))
        {
            await RejectAsync(context, StatusCodes.Status404NotFound, $"{destination} is not a workload port served by this agent").ConfigureAwait(false);
            return;
        }
        if (!workload.Identity.Equals(connection.LocalIdentity))
        {
            // The client verified it was talking to another identity; it must not reach this workload on that connection.
            await RejectAsync(context, StatusCodes.Status421MisdirectedRequest, $"{destination} belongs to {workload.Identity}, not {connection.LocalIdentity}").ConfigureAwait(false);
            return;
        }

        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (connect is { IsExtendedConnect: true })
        {
            if (connect.Protocol != TunnelProtocol.ConnectTcp)
            {
                await RejectAsync(context, StatusCodes.Status501NotImplemented, $"CONNECT protocol '{connect.Protocol}' is not supported").ConfigureAwait(false);
                return;
            }
            // A raw stream is authorized as TCP even on an HTTP port: Istio's fail-safe projection then applies.
            await RelayTcpAsync(context, connect, connection, workload, destination).ConfigureAwait(false);
            return;
        }
        if (port.Protocol != PortProtocol.Http)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, $"port {port.Port} is declared tcp; open a {TunnelProtocol.ConnectTcp} stream").ConfigureAwait(false);
            return;
        }
        await ForwardHttpAsync(context, connection, workload, destination).ConfigureAwait(false);
    }

    private async Task RelayTcpAsync(HttpContext context, IHttpExtendedConnectFeature connect, InboundConnection connection, LocalWorkload workload, IPEndPoint destination)
    {
        var (decision, id) = authorizer.Authorize(connection.Peer, workload, destination.Port, AuthzProtocol.Tcp, null, null, "mtls");
        context.Response.Headers["mesh-decision-id"] = id;
        if (!decision.Allowed)
        {
            LogDenied(logger, connection.Peer!.ToString(), workload.Key, destination.Port, decision.Reason, id);
            await RejectAsync(context, StatusCodes.Status403Forbidden, TunnelProtocol.DeniedBody).ConfigureAwait(false);
            return;
        }
        // Connect to the workload before accepting the stream, so a dead backend is a 503 rather than an empty tunnel.
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(BackendConnectTimeout);
            await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            LogBackendUnreachable(logger, destination.ToString(), e.Message);
            await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, $"workload {destination} is not accepting connections").ConfigureAwait(false);
            return;
        }
        await using var backend = new NetworkStream(socket, ownsSocket: true);
        var tunnel = await connect.AcceptAsync().ConfigureAwait(false);
        await Relay.RunAsync(
            new Relay.Direction(tunnel, backend, () => { socket.Shutdown(SocketShutdown.Send); return ValueTask.CompletedTask; }),
            new Relay.Direction(backend, tunnel, () => new ValueTask(context.Response.CompleteAsync())),
            context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ForwardHttpAsync(HttpContext context, InboundConnection connection, LocalWorkload workload, IPEndPoint destination)
    {
        var request = context.Request;
        var (decision, id) = authorizer.Authorize(connection.Peer, workload, destination.Port, AuthzProtocol.Http, request.Method, request.Path.Value, "mtls");
        if (!decision.Allowed)
        {
            LogDenied(logger, connection.Peer!.ToString(), workload.Key, destination.Port, decision.Reason, id);
            context.Response.Headers["mesh-decision-id"] = id;
            await RejectAsync(context, StatusCodes.Status403Forbidden, TunnelProtocol.DeniedBody).ConfigureAwait(false);
            return;
        }
        var error = await forwarder.SendAsync(context, $"http://{destination}", _backend, ForwarderRequestConfig.Empty, BackendTransformer.Instance).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var e = context.GetForwarderErrorFeature()?.Exception;
            LogBackendUnreachable(logger, destination.ToString(), e?.Message ?? error.ToString());
        }
    }

    private static Task RejectAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(body);
    }

    public void Dispose() => _backend.Dispose();

    /// <summary>Keeps the app's Host and drops the mesh routing header before the request reaches the workload.</summary>
    private sealed class BackendTransformer : HttpTransformer
    {
        public static readonly BackendTransformer Instance = new();

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            proxyRequest.Headers.Remove(TunnelProtocol.DestinationHeader);
            proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        }
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "DENY {Peer} -> {Workload}:{Port}: {Reason} (decision {DecisionId})")]
    private static partial void LogDenied(ILogger logger, string peer, string workload, int port, string reason, string decisionId);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Workload {Destination} unreachable: {Reason}")]
    private static partial void LogBackendUnreachable(ILogger logger, string destination, string reason);
}
