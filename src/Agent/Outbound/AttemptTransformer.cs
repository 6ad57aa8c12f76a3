using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Outbound;

/// <summary>
/// The outbound request transform for one try of a request, which also watches the response: when the status is one the
/// retry policy retries, and another try is still allowed, the response is not passed to the app (YARP then returns
/// control so the caller can retry), as Envoy's retriable-status-codes does.
/// </summary>
internal sealed class AttemptTransformer(IReadOnlyList<int> retriableStatuses, bool mayRetry) : OutboundRequestTransformer
{
    /// <summary>The workload's status for this try; 0 when no response arrived.</summary>
    public int Status { get; private set; }

    /// <summary>True when the response was held back so the request can be retried.</summary>
    public bool HeldForRetry { get; private set; }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        Status = proxyResponse is null ? 0 : (int)proxyResponse.StatusCode;
        if (mayRetry && proxyResponse is not null && retriableStatuses.Contains(Status))
        {
            HeldForRetry = true;
            return false;
        }
        return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
    }
}
