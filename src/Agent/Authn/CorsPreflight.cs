using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Authn;

/// <summary>
/// Istio configures Envoy's jwt_authn with <c>bypass_cors_preflight</c>: a browser's CORS preflight carries no
/// credentials, so it is not authenticated (and an expired token on it is ignored). A preflight is an OPTIONS request
/// with both <c>Origin</c> and <c>Access-Control-Request-Method</c>.
/// </summary>
internal static class CorsPreflight
{
    public static bool Is(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method)
        && !string.IsNullOrEmpty(request.Headers.Origin)
        && !string.IsNullOrEmpty(request.Headers.AccessControlRequestMethod);
}
