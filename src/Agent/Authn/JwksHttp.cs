namespace Mesh.Agent.Authn;

/// <summary>The agent's one HTTP client for JWKS URLs: shared (sockets are pooled), connections recycled so DNS changes are seen.</summary>
internal static class JwksHttp
{
    public static HttpClient Shared { get; } = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AllowAutoRedirect = false,
    })
    {
        // Each fetch sets its own timeout (the rule's); this is only a backstop.
        Timeout = TimeSpan.FromMinutes(1),
    };
}
