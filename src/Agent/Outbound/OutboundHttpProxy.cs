using System.Net;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Forwards each app HTTP request to the serving agent as an HTTP/2 request on a pooled mTLS connection (YARP does
/// the forwarding). The app's Host is kept; the destination workload travels in the mesh-destination header.
/// </summary>
internal sealed partial class OutboundHttpProxy(IHttpForwarder forwarder, PeerConnectionPool pool, AgentMetrics metrics, ILogger<OutboundHttpProxy> logger)
{
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromSeconds(100),
    };

    private static readonly string Prefix = PeerConnectionPool.RequestUri.ToString().TrimEnd('/');

    public async Task HandleAsync(HttpContext context, OutboundRoute route)
    {
        metrics.OutboundConnection();
        var next = route.Next();
        if (next is null)
        {
            LogNoEndpoint(logger, route.ServiceName);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var (key, target) = next.Value;
        var error = await forwarder.SendAsync(context, Prefix, pool.Get(key), RequestConfig, new Transformer(target.ToString())).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var feature = context.GetForwarderErrorFeature();
            var reason = feature?.Exception is { } e ? (e.InnerException?.Message ?? e.Message) : error.ToString();
            LogForwardFailed(logger, route.ServiceName, target.ToString(), error.ToString(), reason);
        }
    }

    private sealed class Transformer(string destination) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            // The app's own Host goes through unchanged; routing between agents uses the destination header.
            proxyRequest.Headers.Host = httpContext.Request.Host.Value;
            proxyRequest.Headers.Remove(TunnelProtocol.DestinationHeader);
            proxyRequest.Headers.TryAddWithoutValidation(TunnelProtocol.DestinationHeader, destination);
        }
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; 503")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}) failed: {Error}: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string service, string target, string error, string reason);
}
