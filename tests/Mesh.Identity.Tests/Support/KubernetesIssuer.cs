using System.Security.Cryptography;
using System.Text.Json;
using Mesh.Ca;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Identity.Tests;

/// <summary>
/// Stands in for a cluster's service-account issuer (kube-apiserver cannot run here): an ECDSA P-256 key, its JWKS as
/// /openid/v1/jwks serves it, and tokens shaped like the kubelet's projected tokens (sub, aud, exp, jti and the
/// kubernetes.io claim with the node binding). The CA under test only ever sees the JWKS and the tokens.
/// </summary>
internal sealed class KubernetesIssuer : IDisposable
{
    internal const string IssuerUrl = "https://kubernetes.default.svc.cluster.local";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsaSecurityKey _securityKey;

    internal KubernetesIssuer()
    {
        _securityKey = new ECDsaSecurityKey(_key) { KeyId = "k8s-" + Guid.NewGuid().ToString("N")[..8] };
    }

    internal string JwksJson
    {
        get
        {
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(_securityKey);
            return JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = jwk.Kid, use = "sig", alg = "ES256" } },
            });
        }
    }

    internal KubernetesAuthOptions Options => new() { Issuer = IssuerUrl, JwksJson = JwksJson };

    /// <summary>A projected token for <paramref name="serviceAccount"/> on <paramref name="node"/>; tweak any claim with <paramref name="edit"/>.</summary>
    internal string Token(string node, string serviceAccount = "mesh-system/mesh-agent", string audience = "mesh-ca",
        DateTimeOffset? expires = null, string? issuer = null, Action<Dictionary<string, object>>? edit = null, SecurityKey? signWith = null)
    {
        var now = DateTimeOffset.UtcNow;
        var (ns, name) = (serviceAccount.Split('/')[0], serviceAccount.Split('/')[1]);
        var claims = new Dictionary<string, object>
        {
            ["iss"] = issuer ?? IssuerUrl,
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
            ["aud"] = new[] { audience },
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = (expires ?? now.AddMinutes(10)).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = new Dictionary<string, object>
            {
                ["namespace"] = ns,
                ["node"] = new Dictionary<string, object> { ["name"] = node, ["uid"] = Guid.NewGuid().ToString() },
                ["pod"] = new Dictionary<string, object> { ["name"] = "mesh-agent-" + node, ["uid"] = Guid.NewGuid().ToString() },
                ["serviceaccount"] = new Dictionary<string, object> { ["name"] = name, ["uid"] = Guid.NewGuid().ToString() },
            },
        };
        edit?.Invoke(claims);
        var payload = JsonSerializer.Serialize(claims);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(payload, new SigningCredentials(signWith ?? _securityKey, SecurityAlgorithms.EcdsaSha256));
    }

    public void Dispose() => _key.Dispose();
}
