using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Ca;

/// <summary>
/// Mints JWT-SVIDs. Who may have which identity is <see cref="Issuer.AuthorizeAsync"/>'s decision, the same one that
/// guards X.509-SVIDs; this class adds what is particular to tokens (SPIFFE JWT-SVID spec: ES256, kid, typ JWT;
/// claims sub, aud, exp, iat and a jti).
/// </summary>
internal sealed class JwtSvidIssuer(Issuer issuer, JwtAuthority authority, CaOptions options, TimeProvider time, Action<Span<byte>>? random = null)
{
    /// <summary>SPIRE's default: JWT-SVIDs are bearer tokens, so they live minutes, not hours.</summary>
    internal static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(5);

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly Action<Span<byte>> _random = random ?? RandomNumberGenerator.Fill;

    internal string Jwks => authority.Jwks;

    internal async Task<JwtSvidOutcome> MintAsync(X509Certificate2? clientCertificate, X509Certificate2Collection? clientIntermediates, string? authorizationHeader, string identity, IReadOnlyList<string> audience, long ttlSeconds)
    {
        var decision = await issuer.AuthorizeAsync(clientCertificate, clientIntermediates, authorizationHeader, identity).ConfigureAwait(false);
        if (decision is Authorization.Denied denied)
        {
            return new JwtSvidOutcome.Refused(denied.Status, denied.Reason) { Caller = denied.Caller };
        }
        var (caller, id) = (Authorization.Granted)decision;
        if (caller.Method != AuthMethod.NodeCertificate)
        {
            // A bootstrap token buys the node certificate once (the replay ledger binds it to that key); a token that
            // could mint bearer JWTs would be reusable without limit.
            return new JwtSvidOutcome.Refused(StatusCode.PermissionDenied,
                $"JWT-SVIDs are issued only to callers authenticated with their node certificate, not a {caller.MethodName}") { Caller = caller };
        }
        if (audience.Count == 0 || audience.Any(string.IsNullOrWhiteSpace))
        {
            // JWT-SVID spec 3: the aud claim MUST be present with at least one value.
            return new JwtSvidOutcome.Refused(StatusCode.InvalidArgument, "audience is required: at least one non-empty value") { Caller = caller };
        }
        if (ttlSeconds < 0)
        {
            return new JwtSvidOutcome.Refused(StatusCode.InvalidArgument, $"ttl_seconds {ttlSeconds} is negative") { Caller = caller };
        }

        var now = time.GetUtcNow();
        var ttl = ttlSeconds == 0 ? DefaultTtl : TimeSpan.FromSeconds(ttlSeconds);
        var max = options.MaxJwtTtl;
        var expires = now + (ttl < max ? ttl : max);
        Span<byte> jtiBytes = stackalloc byte[16];
        _random(jtiBytes);
        var jti = Convert.ToHexStringLower(jtiBytes);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, id.ToString())]),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Aud] = audience.Count == 1 ? audience[0] : audience.ToArray(),
                [JwtRegisteredClaimNames.Jti] = jti,
            },
            IssuedAt = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = "JWT",
            SigningCredentials = authority.SigningCredentials,
        });
        // JWT exp has whole seconds; report what the token says.
        return new JwtSvidOutcome.Minted(token, id.ToString(), jti, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())) { Caller = caller };
    }
}
