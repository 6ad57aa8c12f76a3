using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Agent.Tunnel;

/// <summary>YARP's default request transform, except that the app's own Host header goes through unchanged (apps expect it).</summary>
internal sealed class KeepHostTransformer : HttpTransformer
{
    public static readonly KeepHostTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
    }
}
