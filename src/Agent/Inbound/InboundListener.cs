using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Mesh.Agent.Config;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Microsoft.Extensions.Logging;
using Mesh.Agent.Net;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Terminates agent-to-agent mTLS: a handshake timeout on every connection, the certificate chosen by SNI, the peer's
/// SVID verified, then the connection's streams handed to <see cref="InboundHandler"/>.
/// </summary>
internal sealed partial class InboundListener(InboundTls tls, InboundHandler handler, Func<ServiceRegistry> registry, ILogger<InboundListener> logger)
{
    public Task HandleAsync(Socket socket, CancellationToken ct) => HandleAsync(socket, null, WorkloadBackend.Host, ct);

    /// <summary>
    /// A connection to the tunnel port inside <paramref name="pod"/>'s namespace: only the pod's identity is presented
    /// and its streams may reach only the pod, through <paramref name="backend"/>.
    /// </summary>
    public async Task HandleAsync(Socket socket, LocalWorkload? pod, WorkloadBackend backend, CancellationToken ct)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var connection = new InboundConnection
        {
            PeerAddress = socket.RemoteAddress(),
            Pod = pod,
            Backend = backend,
        };
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(MeshTls.HandshakeTimeout);
            await ssl.AuthenticateAsServerAsync(
                (_, hello, _, _) => ValueTask.FromResult(tls.OptionsFor(hello.ServerName, remote, connection, pod?.Identity)),
                null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or AuthenticationFailedException)
        {
            // The reason was logged where it was decided (InboundTls), or is the transport's.
            LogHandshakeFailed(logger, remote, e.Message);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (connection.Peer is null || ssl.NegotiatedApplicationProtocol != MeshTls.Alpn)
        {
            LogHandshakeFailed(logger, remote, $"no verified peer or ALPN '{ssl.NegotiatedApplicationProtocol}' is not {MeshTls.Alpn}");
            await ssl.DisposeAsync().ConfigureAwait(false);
            return;
        }
        // A tunnel made in-pod leaves from the source pod's own address; when the registry places the peer's verified
        // identity at that address, it is the source workload's address (policies on source.ip then apply).
        if (connection.PeerAddress is { } address && registry().FindEndpoint(address) is { } known && known.Endpoint.Identity.Equals(connection.Peer))
        {
            connection.SourceAddress = address;
        }
        var mux = new MuxConnection(ssl, isClient: false)
        {
            OnOpen = (stream, request) => handler.OpenAsync(connection, stream, request, ct),
        };
        mux.Start();
        try
        {
            await mux.Completion.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The agent is stopping: tell the peer to open nothing more here, then close.
            mux.GoAway();
            await mux.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "Inbound connection from {Remote} closed during the handshake: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string remote, string reason);
}
