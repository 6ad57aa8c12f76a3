namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// The forged and broken tokens every verifier must refuse, each with the status and the words (response body and
/// decision detail) that must say why. Shared by the authenticator tests and the end-to-end tests through two agents.
/// </summary>
internal static class AttackCases
{
    internal sealed record Attack(string Name, Func<TestIssuer, string> Token, int Status, string Body, string Detail)
    {
        public override string ToString() => Name;
    }

    public static IReadOnlyList<Attack> All { get; } =
    [
        new("alg none", i => i.Sign(new() { ["alg"] = "none" }, TestIssuer.Claims()), 401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", "the signature segment is empty"),
        new("alg none with a signature", i => i.Sign(new() { ["alg"] = "none" }, TestIssuer.Claims()) + "AAAA", 401, "Jwt header [alg] is not allowed", "'none' means an unsigned token"),
        new("HS256 signed with the RSA public key", i => i.Sign(new() { ["alg"] = "HS256", ["kid"] = "k1" }, TestIssuer.Claims(), i.PublicKeyBytes), 401, "Jwt header [alg] is not allowed", "HMAC"),
        new("unknown kid", i => i.Rs256(kid: "forged-kid"), 401, "Jwks doesn't have key to match kid or alg from Jwt", "no key with kid 'forged-kid'"),
        new("jku header", i => i.Sign(new() { ["alg"] = "RS256", ["kid"] = "k1", ["jku"] = "https://evil.example/jwks" }, TestIssuer.Claims()), 401, "Jwt header is an invalid JSON", "'jku' is not accepted"),
        new("x5u header", i => i.Sign(new() { ["alg"] = "RS256", ["kid"] = "k1", ["x5u"] = "https://evil.example/cert" }, TestIssuer.Claims()), 401, "Jwt header is an invalid JSON", "'x5u' is not accepted"),
        new("embedded jwk header", i => i.Sign(new() { ["alg"] = "RS256", ["jwk"] = new { kty = "oct", k = "AAAA" } }, TestIssuer.Claims()), 401, "Jwt header is an invalid JSON", "'jwk' is not accepted"),
        new("x5c header", i => i.Sign(new() { ["alg"] = "RS256", ["kid"] = "k1", ["x5c"] = new[] { "MIIB" } }, TestIssuer.Claims()), 401, "Jwt header is an invalid JSON", "'x5c' is not accepted"),
        new("crit header", i => i.Sign(new() { ["alg"] = "RS256", ["kid"] = "k1", ["crit"] = new[] { "exp" } }, TestIssuer.Claims()), 401, "Jwt header is an invalid JSON", "'crit' is not accepted"),
        new("expired beyond the skew", i => i.Rs256(With(TestIssuer.Claims(), "exp", DateTimeOffset.UtcNow.AddSeconds(-31 - 5).ToUnixTimeSeconds())), 401, "Jwt is expired", "expired at"),
        new("nbf in the future", i => i.Rs256(With(TestIssuer.Claims(), "nbf", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds())), 401, "Jwt not yet valid", "not valid before"),
        new("wrong issuer", i => i.Rs256(TestIssuer.Claims(issuer: "https://evil.example")), 401, "Jwt issuer is not configured", "has issuer 'https://evil.example'"),
        new("wrong audience", i => i.Rs256(With(TestIssuer.Claims(), "aud", "someone-else")), 403, "Audiences in Jwt are not allowed", "'aud' is [someone-else]"),
        new("missing exp", i => i.Rs256(Without(TestIssuer.Claims(), "exp")), 401, "Jwt is expired", "no 'exp'"),
        new("oversized token", i => i.Rs256(With(TestIssuer.Claims(), "pad", new string('x', 17 * 1024))), 401, "Jwt is too large", "the limit is 16384"),
        new("malformed base64", i => i.Rs256().Insert(10, "*"), 401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", "base64url"),
        new("payload not JSON", i => Replace(i.Rs256(), 1, TestIssuer.B64("not json"u8.ToArray())), 401, "Jwt payload is an invalid JSON", "not a JSON object"),
        new("two segments", i => string.Join('.', i.Rs256().Split('.')[..2]), 401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", "three"),
        new("tampered payload", i => Replace(i.Rs256(), 1, TestIssuer.B64(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(TestIssuer.Claims("admin")))), 401, "Jwt verification fails", "does not verify"),
    ];

    /// <summary>The audience the rules in these tests require when they require one.</summary>
    public const string Audience = "api";

    private static Dictionary<string, object> With(Dictionary<string, object> claims, string name, object value)
    {
        claims[name] = value;
        return claims;
    }

    private static Dictionary<string, object> Without(Dictionary<string, object> claims, string name)
    {
        claims.Remove(name);
        return claims;
    }

    private static string Replace(string token, int segment, string value)
    {
        var parts = token.Split('.');
        parts[segment] = value;
        return string.Join('.', parts);
    }
}
