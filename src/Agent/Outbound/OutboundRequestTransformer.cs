using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Outbound;

/// <summary>
/// What the client agent changes on an app's request before it enters the tunnel, as Envoy's outbound side does:
/// the app's Host is kept; <c>x-request-id</c> is generated when absent (kept when the app sent one, so a trace spans
/// hops); <c>x-forwarded-proto</c> says the app spoke plain http; and <c>x-forwarded-client-cert</c> from the app is
/// dropped, because only the serving agent may say who the caller is. Hop-by-hop headers are removed by YARP.
/// </summary>
internal class OutboundRequestTransformer : HttpTransformer
{
    public const string RequestIdHeader = "x-request-id";
    public const string ForwardedProtoHeader = "x-forwarded-proto";
    public const string ClientCertHeader = "x-forwarded-client-cert";

    public static readonly OutboundRequestTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        proxyRequest.Headers.Remove(ClientCertHeader);
        if (!proxyRequest.Headers.Contains(RequestIdHeader))
        {
            proxyRequest.Headers.TryAddWithoutValidation(RequestIdHeader, NewRequestId());
        }
        if (!proxyRequest.Headers.Contains(ForwardedProtoHeader))
        {
            proxyRequest.Headers.TryAddWithoutValidation(ForwardedProtoHeader, httpContext.Request.Scheme);
        }
    }

    /// <summary>A random UUID (v4 layout), as Envoy generates them.</summary>
    private static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
