using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Outbound;

/// <summary>
/// The outbound request transform for a try that another try may follow, which also watches the response: when the
/// status is one the retry policy retries, the response is not passed to the app (YARP then returns control so the
/// caller can retry), as Envoy's retriable-status-codes does. Tries that cannot be retried use the shared
/// <see cref="OutboundRequestTransformer.Instance"/>.
/// </summary>
internal sealed class AttemptTransformer(IReadOnlyList<int> retriableStatuses) : OutboundRequestTransformer
{
    /// <summary>True when the response was held back so the request can be retried.</summary>
    public bool HeldForRetry { get; private set; }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && retriableStatuses.Contains((int)proxyResponse.StatusCode))
        {
            HeldForRetry = true;
            return false;
        }
        return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
    }
}
