using Mesh.Identity;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Ca;

/// <summary>
/// Validates a Kubernetes projected service-account token and reads the node it is bound to
/// (<c>kubernetes.io.node.name</c>, which the kubelet's projected tokens carry). Signature, issuer, audience, expiry and
/// the service account are all checked; the token's <c>jti</c> names it for the replay ledger.
/// </summary>
internal sealed class KubernetesTokenValidator
{
    // Kubernetes signs with RSA or ECDSA keys; nothing symmetric, never "none".
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
    ];

    private const int MaxTokenLength = 16 * 1024;

    private readonly KubernetesAuthOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly IList<SecurityKey> _keys;

    internal KubernetesTokenValidator(KubernetesAuthOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _keys = new JsonWebKeySet(options.JwksJson).GetSigningKeys();
        if (_keys.Count == 0)
        {
            throw new ArgumentException("the Kubernetes JWKS holds no usable signing key", nameof(options));
        }
    }

    internal static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2;

    /// <summary>The caller, or the reason the token is refused.</summary>
    internal async Task<(CallerIdentity? Caller, string? Error)> ValidateAsync(string token)
    {
        if (token.Length > MaxTokenLength)
        {
            return (null, $"service-account token is {token.Length} bytes; at most {MaxTokenLength} are accepted");
        }
        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return (null, "service-account token is malformed: " + FirstLine(e.Message));
        }
        if (HeaderError(jwt) is { } headerError)
        {
            return (null, headerError);
        }

        var now = _time.GetUtcNow();
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = _keys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = false,
            ClockSkew = _options.ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && now.UtcDateTime <= exp + _options.ClockSkew && (notBefore is not { } nbf || now.UtcDateTime >= nbf - _options.ClockSkew),
        };
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return (null, "service-account token refused: " + Describe(result.Exception));
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        var claims = payload.RootElement;
        var subject = claims.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString()! : "";
        const string prefix = "system:serviceaccount:";
        var account = subject.StartsWith(prefix, StringComparison.Ordinal) ? subject[prefix.Length..].Replace(':', '/') : null;
        if (account is null || !_options.AgentServiceAccounts.Contains(account, StringComparer.Ordinal))
        {
            return (null, $"service account '{subject}' is not a node agent account ({string.Join(", ", _options.AgentServiceAccounts)})");
        }
        if (!TryNode(claims, out var node))
        {
            return (null, "service-account token is not bound to a node (no kubernetes.io.node.name claim); use a projected token from the kubelet");
        }
        var jti = claims.TryGetProperty("jti", out var j) && j.ValueKind == JsonValueKind.String ? j.GetString()! : null;
        // Without a jti the token's own hash names it: a replay is then still the same string.
        var credential = "k8s:" + (jti ?? JoinTokens.Hash(token));
        return (new CallerIdentity(AuthMethod.KubernetesToken, node, subject, credential, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)), null);
    }

    private static string? HeaderError(JsonWebToken jwt)
    {
        // Keys come from config only: a token must not point at its own key or certificate.
        foreach (var header in new[] { "jku", "x5u", "jwk", "x5c", "crit" })
        {
            if (jwt.TryGetHeaderValue<object>(header, out _))
            {
                return $"service-account token header '{header}' is not accepted";
            }
        }
        return null;
    }

    private static bool TryNode(JsonElement claims, out string node)
    {
        node = "";
        if (claims.TryGetProperty("kubernetes.io", out var k8s) && k8s.ValueKind == JsonValueKind.Object
            && k8s.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.Object
            && n.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } value
            && NodeIds.IsValidName(value, out _))
        {
            node = value;
            return true;
        }
        return false;
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "token has expired",
        SecurityTokenNotYetValidException => "token is not yet valid",
        SecurityTokenInvalidLifetimeException => "token has expired or has no exp claim",
        SecurityTokenNoExpirationException => "token has no exp claim",
        SecurityTokenInvalidAudienceException => "audience is not the CA's (mesh-ca unless configured)",
        SecurityTokenInvalidIssuerException => "issuer is not the configured cluster issuer",
        SecurityTokenInvalidAlgorithmException => "signing algorithm is not allowed",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature does not verify with the cluster's keys",
        null => "invalid token",
        _ => FirstLine(e.Message),
    };

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n']);
        return cut < 0 ? message : message[..cut];
    }
}
