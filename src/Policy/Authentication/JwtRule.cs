namespace Mesh.Policy;

/// <summary>
/// One validated <c>jwtRules</c> entry of a RequestAuthentication, and the policy it came from.
/// With no fromHeaders, fromParams or fromCookies, Istio looks for the token in
/// <c>Authorization: Bearer</c> and the <c>access_token</c> query parameter.
/// </summary>
/// <param name="Policy"><c>namespace/name</c> of the RequestAuthentication.</param>
/// <param name="Jwks">The inline JWKS (JSON, validated at load), or null when <paramref name="JwksUri"/> is used.</param>
/// <param name="JwksUri">https URL to fetch the JWKS from, or null with an inline JWKS (or neither: Istio then uses OpenID discovery on the issuer).</param>
/// <param name="Timeout">How long a JWKS fetch may take; null = Istio's default (5 s).</param>
public sealed record JwtRule(
    string Policy,
    string Issuer,
    IReadOnlyList<string> Audiences,
    string? Jwks,
    Uri? JwksUri,
    IReadOnlyList<JwtHeader> FromHeaders,
    IReadOnlyList<string> FromParams,
    IReadOnlyList<string> FromCookies,
    string? OutputPayloadToHeader,
    IReadOnlyList<ClaimToHeader> OutputClaimToHeaders,
    bool ForwardOriginalToken,
    TimeSpan? Timeout,
    IReadOnlyList<string> SpaceDelimitedClaims);

/// <summary>A header the token is read from; <paramref name="Prefix"/> (e.g. "Bearer ") is stripped first.</summary>
public sealed record JwtHeader(string Name, string Prefix);

/// <summary>Copy a claim of a verified token into a request header for the workload.</summary>
public sealed record ClaimToHeader(string Header, string Claim);
