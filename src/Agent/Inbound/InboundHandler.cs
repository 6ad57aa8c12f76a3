using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Authn;
using Mesh.Agent.Config;
using Mesh.Agent.Net;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Handles each stream a peer agent opens: finds the local workload it names, and
/// - for TCP, authorizes the connection with the peer's verified SPIFFE ID and relays it to the workload;
/// - for HTTP, hands the stream to Kestrel, and authorizes and forwards each request (<see cref="HandleHttpAsync"/>).
/// DENY refuses the stream with 403 (TCP: the client agent closes the app's connection) or answers the request
/// with `403 RBAC: access denied` (HTTP).
/// </summary>
internal sealed partial class InboundHandler(
    LocalWorkloads workloads,
    InboundAuthorizer authorizer,
    RequestAuthenticator authenticator,
    IHttpForwarder forwarder,
    MuxTransport httpStreams,
    AgentMetrics metrics,
    ILogger<InboundHandler> logger)
{
    private readonly OpenTcpConnections _openTcp = new();

    /// <summary>TCP connections currently relayed to local workloads.</summary>
    public int OpenTcpCount => _openTcp.Count;

    /// <summary>Called by the connection's read loop for each OPEN; must not throw.</summary>
    public async Task OpenAsync(InboundConnection connection, MuxStream stream, OpenRequest request, CancellationToken ct)
    {
        metrics.InboundStream();
        try
        {
            var destination = request.Destination;
            if (!workloads.TryFind(destination, out var workload, out var port) && workloads.TryFindPod(destination.Address, out workload))
            {
                // A port the pod does not declare: reachable as what the client agent found it to be (it sniffed).
                port = new WorkloadPort(destination.Port, request.Protocol switch
                {
                    StreamProtocol.Http => PortProtocol.Http,
                    StreamProtocol.Http2 => PortProtocol.Http2,
                    _ => PortProtocol.Tcp,
                });
            }
            else if (workload is null)
            {
                LogRefused(logger, connection.Peer!.ToString(), destination.ToString(), "not a workload port served by this agent");
                await stream.Connection.RefuseAsync(stream, OpenResult.NotFound, "").ConfigureAwait(false);
                return;
            }
            if (connection.Pod is { } pod && workload.Key != pod.Key)
            {
                // A listener inside a pod's namespace serves that pod only: its namespace is the only one it can reach.
                LogRefused(logger, connection.Peer!.ToString(), destination.ToString(), $"this tunnel ends in pod {pod.Key}, not {workload.Key}");
                await stream.Connection.RefuseAsync(stream, OpenResult.Misdirected, "").ConfigureAwait(false);
                return;
            }
            if (!workload.Identity.Equals(connection.LocalIdentity))
            {
                // The client verified it was talking to another identity; it must not reach this workload on that connection.
                LogRefused(logger, connection.Peer!.ToString(), destination.ToString(), $"belongs to {workload.Identity}, not {connection.LocalIdentity}");
                await stream.Connection.RefuseAsync(stream, OpenResult.Misdirected, "").ConfigureAwait(false);
                return;
            }
            if (request.Protocol is StreamProtocol.Http or StreamProtocol.Http2)
            {
                await AcceptHttpAsync(connection, stream, workload, port, destination, request.Protocol == StreamProtocol.Http2 ? HttpKind.Http2 : HttpKind.Http1).ConfigureAwait(false);
                return;
            }
            // A raw stream is authorized as TCP even on an HTTP port: Istio's fail-safe projection then applies.
            await RelayTcpAsync(connection, stream, workload, destination, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The tunnel went away while the stream was being set up.
            stream.Reset();
        }
    }

    private async Task AcceptHttpAsync(InboundConnection connection, MuxStream stream, LocalWorkload workload, WorkloadPort port, IPEndPoint destination, HttpKind kind)
    {
        if (port.Protocol == PortProtocol.Tcp)
        {
            LogRefused(logger, connection.Peer!.ToString(), destination.ToString(), $"port {port.Port} is declared tcp");
            await stream.Connection.RefuseAsync(stream, OpenResult.BadRequest, "").ConfigureAwait(false);
            return;
        }
        var adapter = new MuxStreamAdapter(stream);
        await stream.Connection.AcceptAsync(stream, "").ConfigureAwait(false);
        if (!httpStreams.TryAccept(adapter, new InboundStream(connection.Peer!, workload, destination) { PeerAddress = connection.PeerAddress, SourceIp = connection.SourceAddress, Backend = connection.Backend, Protocol = port.Protocol }, kind))
        {
            await adapter.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RelayTcpAsync(InboundConnection connection, MuxStream stream, LocalWorkload workload, IPEndPoint destination, CancellationToken ct)
    {
        var (decision, id) = authorizer.Authorize(connection.Peer, connection.PeerAddress, workload, destination, AuthzProtocol.Tcp, null, null, "mtls", sourceIp: connection.SourceAddress);
        if (!decision.Allowed)
        {
            LogDenied(logger, connection.Peer!.ToString(), workload.Key, destination.Port, decision.Reason, id);
            await stream.Connection.RefuseAsync(stream, OpenResult.Forbidden, id).ConfigureAwait(false);
            return;
        }
        // Connect to the workload before accepting the stream, so a dead workload is a 503 rather than an empty tunnel.
        Socket socket;
        try
        {
            socket = await connection.Backend.Sockets.ConnectAsync(destination, WorkloadBackend.ConnectTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            LogBackendUnreachable(logger, destination.ToString(), e.Message);
            await stream.Connection.RefuseAsync(stream, OpenResult.Unavailable, id).ConfigureAwait(false);
            return;
        }
        var sink = new SocketSink(socket, stream);
        stream.Attach(sink);
        await stream.Connection.AcceptAsync(stream, id).ConfigureAwait(false);
        var key = _openTcp.Add(new OpenTcpConnections.Entry(connection.Peer, connection.PeerAddress, workload, destination, stream, socket) { SourceIp = connection.SourceAddress });
        try
        {
            await TcpRelay.RunAsync(socket, stream, sink, ct).ConfigureAwait(false);
        }
        finally
        {
            _openTcp.Remove(key);
        }
    }

    /// <summary>
    /// A plaintext TCP connection captured inside a pod and allowed in by PERMISSIVE: authorized with no peer identity
    /// (recorded as plaintext, with the client's real address as source.ip), then relayed to the workload.
    /// </summary>
    public async Task RelayPlaintextAsync(Socket client, LocalWorkload workload, IPEndPoint destination, WorkloadBackend backend, CancellationToken ct)
    {
        metrics.InboundStream();
        var peerAddress = client.RemoteAddress();
        // Plaintext: the socket's peer is the source itself.
        var (decision, id) = authorizer.Authorize(null, peerAddress, workload, destination, AuthzProtocol.Tcp, null, null, InboundAuthorizer.Plaintext, sourceIp: peerAddress);
        if (!decision.Allowed)
        {
            LogDenied(logger, $"(plaintext {peerAddress})", workload.Key, destination.Port, decision.Reason, id);
            client.Dispose();
            return;
        }
        Socket socket;
        try
        {
            socket = await backend.Sockets.ConnectAsync(destination, WorkloadBackend.ConnectTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            LogBackendUnreachable(logger, destination.ToString(), e.Message);
            client.Dispose();
            return;
        }
        var key = _openTcp.Add(new OpenTcpConnections.Entry(null, peerAddress, workload, destination, null, socket) { Tls = InboundAuthorizer.Plaintext, Client = client, SourceIp = peerAddress });
        try
        {
            await SocketPipe.RunAsync(client, socket, ct).ConfigureAwait(false);
        }
        finally
        {
            _openTcp.Remove(key);
        }
    }

    /// <summary>
    /// A plaintext HTTP connection captured inside a pod and allowed in by PERMISSIVE: handed to Kestrel (HTTP/1.1 or
    /// h2c), so every request on it is authorized (as plaintext) like a peer's HTTP stream.
    /// </summary>
    public Task AcceptPlaintextHttpAsync(Socket client, LocalWorkload workload, WorkloadPort port, IPEndPoint destination, WorkloadBackend backend, HttpHandover handover, CancellationToken ct)
    {
        metrics.InboundStream();
        var address = client.RemoteAddress();
        var info = new InboundStream(null, workload, destination)
        {
            PeerAddress = address,
            SourceIp = address,
            Tls = InboundAuthorizer.Plaintext,
            Backend = backend,
            Protocol = port.Protocol,
        };
        return handover.HandOverAsync(client, items => InboundStream.Attach(items, info), ct);
    }

    /// <summary>
    /// After a policy reload: re-decides every open TCP connection under the new set and closes those it denies (the
    /// peer agent then closes the app's connection); each closure is a DENY record in the decision log. Returns how many
    /// were closed. HTTP needs nothing: every request is decided on its own.
    /// </summary>
    public int CloseDeniedConnections()
    {
        var closed = 0;
        foreach (var open in _openTcp.Snapshot())
        {
            var (decision, id) = authorizer.Recheck(open.Peer, open.PeerAddress, open.Workload, open.Destination, open.Tls, open.SourceIp);
            if (decision.Allowed)
            {
                continue;
            }
            LogClosedOnReload(logger, open.Peer?.ToString() ?? "(plaintext)", open.Workload.Key, open.Destination.Port, decision.Reason, id);
            open.Stream?.Reset();
            open.Socket.Dispose();
            open.Client?.Dispose();
            closed++;
        }
        return closed;
    }

    /// <summary>One HTTP request on an accepted HTTP stream: authorize it, then forward it to the workload.</summary>
    public async Task HandleHttpAsync(HttpContext context)
    {
        var info = InboundStream.From(context);
        if (info is null)
        {
            // Unreachable: Kestrel only gets streams through MuxTransport.TryAccept. Fail closed if it ever is.
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }
        var request = context.Request;
        // RequestAuthentication first, as Envoy's jwt_authn runs before RBAC: an invalid token never reaches authorization.
        var rules = authorizer.JwtRulesFor(info.Workload);
        var authn = await authenticator.AuthenticateAsync(request, rules, context.RequestAborted).ConfigureAwait(false);
        if (authn is AuthnResult.Rejected rejected)
        {
            await RefuseTokenAsync(context, info, rejected, TokenQueryRedaction.PathAndQuery(request, rules)).ConfigureAwait(false);
            return;
        }
        var (decision, id) = authorizer.Authorize(info.Peer, info.PeerAddress, info.Workload, info.Destination, AuthzProtocol.Http, request.Method,
            TokenQueryRedaction.PathAndQuery(request, rules), info.Tls, request.Host.Value, new HeaderView(request.Headers), info.SourceIp, authn as AuthnResult.Authenticated);
        if (!decision.Allowed)
        {
            LogDenied(logger, info.Peer?.ToString() ?? "(plaintext " + info.PeerAddress + ")", info.Workload.Key, info.Destination.Port, decision.Reason, id);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.Headers[TunnelProtocol.DecisionIdHeader] = id;
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = TunnelProtocol.DeniedBody.Length;
            await context.Response.WriteAsync(TunnelProtocol.DeniedBody).ConfigureAwait(false);
            return;
        }
        JwtOutputHeaders.Apply(request, rules, authn);
        var error = await forwarder.SendAsync(context, $"http://{info.Destination}", info.Backend.Http, Outbound.OutboundHttpProxy.ConfigFor(info.Protocol), InboundRequestTransformer.Instance).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var e = context.GetForwarderErrorFeature()?.Exception;
            LogBackendUnreachable(logger, info.Destination.ToString(), e?.Message ?? error.ToString());
        }
    }

    /// <summary>
    /// Answers a request whose token RequestAuthentication refused as Envoy does: 401 (403 for a wrong audience), the
    /// reason in the body, and RFC 6750's challenge. The realm is the URL without its query, which may hold the token.
    /// </summary>
    private async Task RefuseTokenAsync(HttpContext context, InboundStream info, AuthnResult.Rejected rejected, string? recordedPath)
    {
        var request = context.Request;
        var id = authorizer.RefuseToken(info.Peer, info.PeerAddress, info.Workload, info.Destination, request.Method, recordedPath, info.Tls, request.Host.Value, rejected);
        LogTokenRefused(logger, info.Peer?.ToString() ?? "(plaintext " + info.PeerAddress + ")", info.Workload.Key, info.Destination.Port, rejected.Failure.Message, rejected.Failure.Detail, id);
        var body = rejected.Failure.Message;
        context.Response.StatusCode = rejected.Failure.Status;
        context.Response.Headers[TunnelProtocol.DecisionIdHeader] = id;
        context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{request.Host.Value}{request.PathBase}{request.Path}\", error=\"invalid_token\"";
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        await context.Response.WriteAsync(body).ConfigureAwait(false);
    }

    /// <summary>The path as sent, query included: the evaluator normalizes it and strips the query itself.</summary>
    private static string? PathAndQuery(HttpRequest request) =>
        request.QueryString.HasValue ? request.Path.Value + request.QueryString.Value : request.Path.Value;

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "DENY {Peer} -> {Workload}:{Port}: {Reason} (decision {DecisionId})")]
    private static partial void LogDenied(ILogger logger, string peer, string workload, int port, string reason, string decisionId);

    [LoggerMessage(EventId = 414, Level = LogLevel.Information, Message = "JWT refused {Peer} -> {Workload}:{Port}: {Message}: {Detail} (decision {DecisionId})")]
    private static partial void LogTokenRefused(ILogger logger, string peer, string workload, int port, string message, string detail, string decisionId);

    [LoggerMessage(EventId = 413, Level = LogLevel.Information, Message = "Closed {Peer} -> {Workload}:{Port}: the reloaded policies deny it: {Reason} (decision {DecisionId})")]
    private static partial void LogClosedOnReload(ILogger logger, string peer, string workload, int port, string reason, string decisionId);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Workload {Destination} unreachable: {Reason}")]
    private static partial void LogBackendUnreachable(ILogger logger, string destination, string reason);

    [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "Stream from {Peer} to {Destination} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string peer, string destination, string reason);
}
