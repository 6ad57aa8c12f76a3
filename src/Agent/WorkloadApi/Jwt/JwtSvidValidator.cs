using Mesh.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.WorkloadApi;

/// <summary>
/// Validates a JWT-SVID against a JWT bundle (SPIFFE JWT-SVID spec 4): signature by a key of the bundle, an allowed
/// algorithm, exp present and not passed, aud containing the validator's audience, sub a SPIFFE ID of the trust domain.
/// </summary>
internal sealed class JwtSvidValidator(TrustDomain trustDomain, TimeProvider time)
{
    // What our CA signs (ES256) and the common RSA forms; never "none", nothing symmetric.
    private static readonly string[] Algorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256];
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public abstract record Result
    {
        private Result()
        {
        }

        public sealed record Valid(SpiffeId Id, JsonWebToken Token) : Result;

        /// <summary>The token names a key id the bundle lacks: refresh the bundle and try once more.</summary>
        public sealed record UnknownKey(string? KeyId) : Result;

        public sealed record Invalid(string Reason) : Result;
    }

    public async Task<Result> ValidateAsync(string token, string audience, JsonWebKeySet bundle)
    {
        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return new Result.Invalid("token is malformed");
        }
        if (!Algorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            return new Result.Invalid($"algorithm '{jwt.Alg}' is not allowed");
        }
        if (!bundle.Keys.Any(k => k.Kid == jwt.Kid))
        {
            return new Result.UnknownKey(jwt.Kid);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var result = await _handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            // The bundle's keys carry use "jwt-svid", which GetSigningKeys() would skip; they are signing keys by definition.
            IssuerSigningKeys = bundle.Keys,
            ValidAlgorithms = Algorithms,
            ValidateIssuer = false,
            ValidAudience = audience,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = false,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && now <= exp + ClockSkew && (notBefore is not { } nbf || now >= nbf - ClockSkew),
        }).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return new Result.Invalid(Reason(result.Exception));
        }
        if (!SpiffeId.TryParse(jwt.Subject, out var id, out var error))
        {
            return new Result.Invalid($"sub is not a SPIFFE ID: {error}");
        }
        return id.TrustDomain == trustDomain
            ? new Result.Valid(id, jwt)
            : new Result.Invalid($"sub {id} is not in trust domain {trustDomain}");
    }

    private static string Reason(Exception? e) => e switch
    {
        SecurityTokenInvalidAudienceException => "audience does not match",
        SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException or SecurityTokenNoExpirationException => "token has expired or has no exp",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature does not verify",
        null => "token is invalid",
        _ => "token is invalid",
    };
}
