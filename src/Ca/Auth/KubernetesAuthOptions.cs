namespace Mesh.Ca;

/// <summary>
/// Offline validation of the node agent's projected service-account token: the cluster's issuer and its JWKS come from
/// config, so the CA needs no API server.
/// </summary>
public sealed record KubernetesAuthOptions
{
    /// <summary>The cluster's service-account issuer (<c>--service-account-issuer</c>), compared exactly.</summary>
    public required string Issuer { get; init; }

    /// <summary>The issuer's JWKS document (what <c>/openid/v1/jwks</c> serves).</summary>
    public required string JwksJson { get; init; }

    public string Audience { get; init; } = "mesh-ca";

    /// <summary><c>namespace/name</c> of the service accounts node agents run as; any other account is refused.</summary>
    public IReadOnlyList<string> AgentServiceAccounts { get; init; } = ["mesh-system/mesh-agent"];

    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);
}
