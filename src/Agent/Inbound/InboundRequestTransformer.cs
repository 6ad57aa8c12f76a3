using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Inbound;

/// <summary>
/// What the serving agent tells the workload about an authorized request, as Istio's inbound side does: the app's Host
/// is kept; <c>x-forwarded-for</c> gets the caller's address appended (the source workload's when known, else the peer
/// agent's); <c>x-forwarded-proto</c> is kept or set; and <c>x-forwarded-client-cert</c> is set, not appended, to
/// Envoy's form <c>By=&lt;this workload&gt;;URI=&lt;caller&gt;</c> (absent for plaintext), so the workload can trust it.
/// </summary>
internal sealed class InboundRequestTransformer : HttpTransformer
{
    public const string ForwardedForHeader = "x-forwarded-for";

    public static readonly InboundRequestTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        var info = InboundStream.From(httpContext);
        proxyRequest.Headers.Remove(Outbound.OutboundRequestTransformer.ClientCertHeader);
        if (info is null)
        {
            return;
        }
        if ((info.SourceIp ?? info.PeerAddress) is { } caller)
        {
            var existing = proxyRequest.Headers.TryGetValues(ForwardedForHeader, out var values) ? string.Join(", ", values) : null;
            proxyRequest.Headers.Remove(ForwardedForHeader);
            proxyRequest.Headers.TryAddWithoutValidation(ForwardedForHeader, existing is null ? caller.ToString() : $"{existing}, {caller}");
        }
        if (!proxyRequest.Headers.Contains(Outbound.OutboundRequestTransformer.ForwardedProtoHeader))
        {
            proxyRequest.Headers.TryAddWithoutValidation(Outbound.OutboundRequestTransformer.ForwardedProtoHeader, "http");
        }
        if (info.Peer is { } peer)
        {
            proxyRequest.Headers.TryAddWithoutValidation(Outbound.OutboundRequestTransformer.ClientCertHeader, $"By={info.Workload.Identity};URI={peer}");
        }
    }
}
