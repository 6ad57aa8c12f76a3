using System.Net;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Outbound;

/// <summary>
/// Forwards each app HTTP request to the serving agent (YARP does the forwarding): HTTP/1.1 over a stream of a pooled
/// mTLS connection, the stream naming the destination workload. The app's Host is kept.
/// </summary>
internal sealed partial class OutboundHttpProxy(IHttpForwarder forwarder, PeerConnectionPool pool, AgentMetrics metrics, ILogger<OutboundHttpProxy> logger)
{
    // HTTP/1.1 between agents for http ports (one request per stream at a time, cheapest to parse); HTTP/2 with prior
    // knowledge for http2 and grpc ports, which need its streams and trailers end to end.
    private static readonly ForwarderRequestConfig Http1Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromSeconds(100),
    };

    private static readonly ForwarderRequestConfig Http2Config = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromSeconds(100),
    };

    public static ForwarderRequestConfig ConfigFor(Config.PortProtocol protocol) =>
        protocol is Config.PortProtocol.Http2 or Config.PortProtocol.Grpc ? Http2Config : Http1Config;

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
        // The URI names the workload: HttpClient keeps one pool of streams per workload, each opened to it.
        var error = await forwarder.SendAsync(context, $"http://{target}", pool.HttpInvoker(key), ConfigFor(route.Port.Protocol), OutboundRequestTransformer.Instance).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var feature = context.GetForwarderErrorFeature();
            var reason = feature?.Exception is { } e ? (e.InnerException?.Message ?? e.Message) : error.ToString();
            LogForwardFailed(logger, route.ServiceName, target.ToString(), error.ToString(), reason);
        }
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Outbound to {Service}: no endpoints in the registry; 503")]
    private static partial void LogNoEndpoint(ILogger logger, string service);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Outbound to {Service} ({Target}) failed: {Error}: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string service, string target, string error, string reason);
}
