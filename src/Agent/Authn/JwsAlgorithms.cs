using System.Collections.Frozen;

namespace Mesh.Agent.Authn;

/// <summary>
/// The JWS algorithms (RFC 7518) a token may be signed with, and the key each needs. Only asymmetric signatures:
/// <c>none</c> and HMAC (HS*) are never accepted, whatever the configuration says; with HMAC a public key would
/// become the shared secret and anyone holding it could mint tokens.
/// </summary>
internal static class JwsAlgorithms
{
    /// <summary>Accepted when the agent config names no list for an issuer.</summary>
    public static IReadOnlyList<string> Default { get; } = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

    /// <summary>Key type and (for EC) curve each supported algorithm verifies with.</summary>
    private static readonly FrozenDictionary<string, (string Kty, string? Crv)> Keys = new Dictionary<string, (string, string?)>
    {
        ["RS256"] = ("RSA", null),
        ["RS384"] = ("RSA", null),
        ["RS512"] = ("RSA", null),
        ["PS256"] = ("RSA", null),
        ["PS384"] = ("RSA", null),
        ["PS512"] = ("RSA", null),
        ["ES256"] = ("EC", "P-256"),
        ["ES384"] = ("EC", "P-384"),
        ["ES512"] = ("EC", "P-521"),
        // RFC 8037: an OKP key on Ed25519 (Ed448 is not accepted).
        ["EdDSA"] = ("OKP", "Ed25519"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsSupported(string alg) => Keys.ContainsKey(alg);

    /// <summary>Why an algorithm name cannot go in an allow-list; null when it can.</summary>
    public static string? Refusal(string alg) => alg switch
    {
        _ when IsSupported(alg) => null,
        "none" => "'none' means an unsigned token; it is never accepted",
        _ when alg.StartsWith("HS", StringComparison.Ordinal) => $"'{alg}' is HMAC (a shared secret); only public-key signatures are accepted",
        _ => $"'{alg}' is not a JWS signature algorithm this agent verifies; use one of {string.Join(", ", Default)}",
    };

    /// <summary>Whether a JWK (its kty and crv) can verify a signature made with <paramref name="alg"/>.</summary>
    public static bool Fits(string alg, string? kty, string? crv) =>
        Keys.TryGetValue(alg, out var need) && need.Kty == kty && (need.Crv is null || need.Crv == crv);
}
