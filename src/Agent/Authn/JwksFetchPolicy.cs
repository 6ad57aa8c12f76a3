namespace Mesh.Agent.Authn;

/// <summary>How often JWKS URLs are fetched.</summary>
/// <param name="Refresh">Keys older than this are refreshed (in the background; the old keys serve meanwhile).</param>
/// <param name="MinInterval">The floor between two fetches of one URL, whatever asks (unknown kids, retries after failure).</param>
/// <param name="AllowHttp">Plain http URLs; for tests only: the loader refuses them in policies.</param>
public sealed record JwksFetchPolicy(TimeSpan Refresh, TimeSpan MinInterval, bool AllowHttp = false)
{
    /// <summary>Envoy refreshes remote JWKS every 10 min by default; 20 min with a 30 s floor keeps issuers unbothered.</summary>
    public static JwksFetchPolicy Default { get; } = new(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(30));
}
