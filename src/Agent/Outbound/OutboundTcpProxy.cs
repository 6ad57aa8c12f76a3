using System.Net.Sockets;
using Mesh.Agent.Balancing;
using Mesh.Agent.Health;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Carries one app TCP connection to a serving agent as a stream on a pooled mTLS connection. For a configured service
/// the endpoint is chosen per connection by the service's balancer, the circuit breaker caps connections in flight, and
/// when the tunnel cannot be opened or the serving agent cannot reach its workload (refused 503) the connection is
/// tried on another endpoint if the retry policy allows connect-failure retries; each outcome goes to outlier
/// detection. A refusal by policy (403) or an unknown destination is final: the app's connection is closed.
/// </summary>
internal sealed partial class OutboundTcpProxy(PeerConnectionPool pool, AgentMetrics metrics, TimeProvider time, ILogger<OutboundTcpProxy> logger)
{
    public async Task HandleAsync(Socket app, OutboundRoute route, CancellationToken ct)
    {
        metrics.OutboundConnection();
        var cluster = route.Cluster;
        if (cluster?.Breaker.TryEnterConnection() is { } tripped)
        {
            metrics.CircuitBreakerTripped();
            LogTripped(logger, route.ServiceName, tripped);
            app.Dispose();
            return;
        }
        try
        {
            await ConnectAndRelayAsync(app, route, cluster, ct).ConfigureAwait(false);
        }
        finally
        {
            cluster?.Breaker.ExitConnection();
        }
    }

    private async Task ConnectAndRelayAsync(Socket app, OutboundRoute route, ServiceCluster? cluster, CancellationToken ct)
    {
        var retry = cluster?.Policy.Retries;
        var tries = 1 + (retry is { OnConnectFailure: true } ? retry.Attempts : 0);
        var pick = new PickContext(cluster?.Policy.LoadBalancer.Hash is { SourceIp: true } ? RequestHash.OfAddress((app.RemoteEndPoint as System.Net.IPEndPoint)?.Address) : null);
        var tried = new List<Upstream>(1);
        for (var attempt = 1; ; attempt++)
        {
            var next = route.Next(pick, tried);
            if (next is null)
            {
                LogNoEndpoint(logger, route.ServiceName);
                app.Dispose();
                return;
            }
            var (key, target, upstream) = next.Value;
            SocketSink? sink = null;
            MuxStream? stream = null;
            OpenResult result = default;
            string? failure = null;
            upstream?.RequestStarted();
            try
            {
                (stream, result) = await pool.OpenAsync(key, new OpenRequest(StreamProtocol.Tcp, target), s => sink = new SocketSink(app, s), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PeerConnectException or IOException or OperationCanceledException)
            {
                failure = e.Message;
            }
            finally
            {
                if (attempt > 1)
                {
                    cluster!.Retries!.Finish();
                }
            }
            if (failure is null && result.Accepted)
            {
                if (upstream is not null)
                {
                    cluster!.Report(upstream, Outcome.Success);
                }
                try
                {
                    await TcpRelay.RunAsync(app, stream!, sink!, ct).ConfigureAwait(false);
                }
                finally
                {
                    upstream?.RequestFinished();
                }
                return;
            }
            upstream?.RequestFinished();
            // Not reachable (tunnel failed, or the serving agent could not connect to its workload): the endpoint's fault.
            var connectFailure = failure is not null || result.Status == OpenResult.Unavailable;
            if (upstream is not null)
            {
                cluster!.Report(upstream, connectFailure ? Outcome.ConnectFailure : Outcome.Success);
                tried.Add(upstream);
            }
            if (!connectFailure)
            {
                LogRefused(logger, route.ServiceName, target.ToString(), result.Status, result.DecisionId.Length > 0 ? result.DecisionId : "-");
                app.Dispose();
                return;
            }
            if (attempt >= tries || ct.IsCancellationRequested || !cluster!.Retries!.TryStart(cluster.ActiveRequests))
            {
                LogTunnelFailed(logger, route.ServiceName, target.ToString(), failure ?? $"peer agent answered {result.Status}");
                app.Dispose();
                return;
            }
            metrics.Retry();
            LogRetrying(logger, route.ServiceName, target.ToString(), failure ?? $"peer agent answered {result.Status}", attempt);
            try
            {
                await Task.Delay(cluster.Retries.Backoff(attempt, pick.Rng), time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                app.Dispose();
                return;
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; connection closed")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}): tunnel failed: {Reason}; connection closed")]
    private static partial void LogTunnelFailed(ILogger logger, string service, string target, string reason);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Outbound to {Service} ({Target}): peer agent refused with {Status} (decision {DecisionId}); connection closed")]
    private static partial void LogRefused(ILogger logger, string service, string target, int status, string decisionId);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Outbound to {Service} ({Target}): {Reason} on try {Attempt}; trying another endpoint")]
    private static partial void LogRetrying(ILogger logger, string service, string target, string reason, int attempt);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Outbound to {Service}: {Reason}; connection closed")]
    private static partial void LogTripped(ILogger logger, string service, string reason);
}
