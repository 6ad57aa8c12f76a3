using System.Net;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Carries one app TCP connection to the serving agent as an HTTP/2 extended CONNECT stream on a pooled mTLS connection.
/// If the peer refuses (policy DENY, unknown destination) or cannot be reached, the app's connection is closed.
/// </summary>
internal sealed partial class OutboundTcpProxy(PeerConnectionPool pool, AgentMetrics metrics, ILogger<OutboundTcpProxy> logger)
{
    public async Task HandleAsync(ConnectionContext app, OutboundRoute route)
    {
        metrics.OutboundConnection();
        var next = route.Next();
        if (next is null)
        {
            LogNoEndpoint(logger, route.ServiceName);
            app.Abort();
            return;
        }
        var (key, target) = next.Value;
        using var request = new HttpRequestMessage(HttpMethod.Connect, PeerConnectionPool.RequestUri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Protocol = TunnelProtocol.ConnectTcp;
        request.Headers.TryAddWithoutValidation(TunnelProtocol.DestinationHeader, target.ToString());

        HttpResponseMessage response;
        try
        {
            response = await pool.Get(key).SendAsync(request, app.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or PeerConnectException or OperationCanceledException)
        {
            LogTunnelFailed(logger, route.ServiceName, target.ToString(), e.InnerException?.Message ?? e.Message);
            app.Abort();
            return;
        }
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogRefused(logger, route.ServiceName, target.ToString(), (int)response.StatusCode, response.Headers.TryGetValues("mesh-decision-id", out var ids) ? string.Join(",", ids) : "-");
                app.Abort();
                return;
            }
            var tunnel = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            await using (tunnel.ConfigureAwait(false))
            {
                var fromApp = app.Transport.Input.AsStream();
                var toApp = app.Transport.Output.AsStream();
                await Relay.RunAsync(
                    // HTTP/2 CONNECT via HttpClient has no half-close: when the app stops sending, the reply gets
                    // Relay.Linger to arrive, then the stream is reset (see docs/protocol.md).
                    new Relay.Direction(fromApp, tunnel, () => ValueTask.CompletedTask),
                    new Relay.Direction(tunnel, toApp, () => app.Transport.Output.CompleteAsync()),
                    app.ConnectionClosed).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; connection closed")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}): tunnel failed: {Reason}; connection closed")]
    private static partial void LogTunnelFailed(ILogger logger, string service, string target, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Outbound to {Service} ({Target}): peer agent refused with {Status} (decision {DecisionId}); connection closed")]
    private static partial void LogRefused(ILogger logger, string service, string target, int status, string decisionId);
}
