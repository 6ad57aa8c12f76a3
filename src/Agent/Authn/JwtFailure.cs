namespace Mesh.Agent.Authn;

/// <summary>
/// Why a token was refused. <see cref="Message"/> is the response body, worded as Envoy's jwt_authn words it
/// (what Istio users see and search for); <see cref="Detail"/> says more for the decision log and the agent log.
/// </summary>
/// <param name="Code">A stable short code, e.g. <c>expired</c>, <c>bad_signature</c>.</param>
/// <param name="Status">401, except an audience mismatch: Envoy answers that one with 403.</param>
internal sealed record JwtFailure(string Code, string Message, string Detail, int Status = 401)
{
    public static JwtFailure Malformed(string detail) =>
        new("malformed", "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", detail);

    public static JwtFailure BadHeader(string detail) => new("bad_header", "Jwt header is an invalid JSON", detail);

    public static JwtFailure BadPayload(string detail) => new("bad_payload", "Jwt payload is an invalid JSON", detail);

    public static JwtFailure Algorithm(string detail) => new("algorithm", "Jwt header [alg] is not allowed", detail);

    public static JwtFailure NoKey(string detail) => new("no_key", "Jwks doesn't have key to match kid or alg from Jwt", detail);

    public static JwtFailure NoJwks(string detail) => new("no_jwks", "Jwks remote fetch is failed", detail);

    public static JwtFailure Signature(string detail) => new("bad_signature", "Jwt verification fails", detail);

    public static JwtFailure Expired(string detail) => new("expired", "Jwt is expired", detail);

    public static JwtFailure NotYetValid(string detail) => new("not_yet_valid", "Jwt not yet valid", detail);

    public static JwtFailure Issuer(string detail) => new("unknown_issuer", "Jwt issuer is not configured", detail);

    public static JwtFailure Audience(string detail) => new("audience", "Audiences in Jwt are not allowed", detail, 403);

    public static JwtFailure TooLarge(string detail) => new("too_large", "Jwt is too large", detail);
}
