using System.Net.Sockets;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Carries one app TCP connection to the serving agent as a stream on a pooled mTLS connection. If the peer refuses
/// (policy DENY, unknown destination) or cannot be reached, the app's connection is closed.
/// </summary>
internal sealed partial class OutboundTcpProxy(PeerConnectionPool pool, AgentMetrics metrics, ILogger<OutboundTcpProxy> logger)
{
    public async Task HandleAsync(Socket app, OutboundRoute route, CancellationToken ct)
    {
        metrics.OutboundConnection();
        var next = route.Next();
        if (next is null)
        {
            LogNoEndpoint(logger, route.ServiceName);
            app.Dispose();
            return;
        }
        var (key, target) = next.Value;
        SocketSink? sink = null;
        MuxStream stream;
        OpenResult result;
        try
        {
            (stream, result) = await pool.OpenAsync(key, new OpenRequest(StreamProtocol.Tcp, target), s => sink = new SocketSink(app, s), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerConnectException or IOException or OperationCanceledException)
        {
            LogTunnelFailed(logger, route.ServiceName, target.ToString(), e.Message);
            app.Dispose();
            return;
        }
        if (!result.Accepted)
        {
            LogRefused(logger, route.ServiceName, target.ToString(), result.Status, result.DecisionId.Length > 0 ? result.DecisionId : "-");
            app.Dispose();
            return;
        }
        await TcpRelay.RunAsync(app, stream, sink!, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; connection closed")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}): tunnel failed: {Reason}; connection closed")]
    private static partial void LogTunnelFailed(ILogger logger, string service, string target, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Outbound to {Service} ({Target}): peer agent refused with {Status} (decision {DecisionId}); connection closed")]
    private static partial void LogRefused(ILogger logger, string service, string target, int status, string decisionId);
}
