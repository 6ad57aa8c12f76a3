using Mesh.Policy;
using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Authn;

/// <summary>
/// Istio RequestAuthentication at the serving agent: verifies every token the request carries against the rules that
/// select the destination workload. No token: <see cref="AuthnResult.NoToken"/> (authorization decides, e.g.
/// <c>requestPrincipals: ["*"]</c> then denies). Any invalid token: <see cref="AuthnResult.Rejected"/>. A token is valid
/// when a rule with its issuer, reading the place it was found, verifies it (Envoy's requires_any over the providers).
/// </summary>
internal sealed class RequestAuthenticator(JwksSources sources, JwtOptions options, TimeProvider time)
{
    public JwtOptions Options => options;

    public async ValueTask<AuthnResult> AuthenticateAsync(HttpRequest request, IReadOnlyList<JwtRule> rules, CancellationToken ct)
    {
        if (rules.Count == 0 || CorsPreflight.Is(request))
        {
            return AuthnResult.NoToken.Instance;
        }

        var found = TokenExtractor.Extract(request, rules.SelectMany(TokenLocation.Of));
        if (found.Count == 0)
        {
            return AuthnResult.NoToken.Instance;
        }

        var verified = new List<VerifiedToken>();
        foreach (var token in found)
        {
            var (ok, failure, policy) = await VerifyAsync(token, rules, ct).ConfigureAwait(false);
            if (ok is null)
            {
                return new AuthnResult.Rejected(failure! with { Detail = $"token in {token.Where}: {failure.Detail}" }, policy);
            }

            verified.Add(ok);
        }

        var first = verified[0];
        return new AuthnResult.Authenticated(
            $"{first.Claims.Issuer}/{first.Claims.Subject}",
            first.Claims.Audiences,
            first.Claims.Presenter,
            ClaimsView.For(first.Claims.Payload, first.Rule),
            verified);
    }

    private async ValueTask<(VerifiedToken? Token, JwtFailure? Failure, string? Policy)> VerifyAsync(TokenExtractor.Found found, IReadOnlyList<JwtRule> rules, CancellationToken ct)
    {
        var token = found.Token;
        if (token.Length > options.MaxTokenBytes)
        {
            return (null, JwtFailure.TooLarge($"{token.Length} bytes, the limit is {options.MaxTokenBytes}"), null);
        }

        var (_, headerFailure) = JwsVerifier.ReadHeader(token);
        if (headerFailure is not null)
        {
            return (null, headerFailure, null);
        }

        if (JwtClaims.UnverifiedIssuer(token) is not { } issuer)
        {
            return (null, token.Count(c => c == '.') != 2
                ? JwtFailure.Malformed("not three dot-separated segments")
                : JwtFailure.BadPayload("the payload is not a JSON object with an 'iss' string"), null);
        }

        var forIssuer = rules.Where(r => r.Issuer == issuer).ToList();
        if (forIssuer.Count == 0)
        {
            return (null, JwtFailure.Issuer($"no RequestAuthentication rule for this workload has issuer '{issuer}'"), null);
        }

        var candidates = forIssuer.Where(r => TokenLocation.Of(r).Any(found.Where.SameAs)).ToList();
        if (candidates.Count == 0)
        {
            return (null, JwtFailure.Issuer($"the rules for issuer '{issuer}' do not read tokens from the {found.Where}"), forIssuer[0].Policy);
        }

        (JwtFailure Failure, string Policy)? first = null;
        foreach (var rule in candidates)
        {
            var (claims, segment, failure) = await VerifyWithAsync(token, rule, ct).ConfigureAwait(false);
            if (claims is not null)
            {
                return (new VerifiedToken(found.Where, rule, claims, segment!), null, null);
            }

            first ??= (failure!, rule.Policy);
        }

        return (null, first!.Value.Failure, first.Value.Policy);
    }

    private async ValueTask<(JwtClaims? Claims, string? Segment, JwtFailure? Failure)> VerifyWithAsync(string token, JwtRule rule, CancellationToken ct)
    {
        var source = sources.For(rule);
        var keys = await source.GetAsync(ct).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return (null, null, JwtFailure.NoJwks($"no verification keys for issuer '{rule.Issuer}' from {source.Name}"));
        }

        var algorithms = options.AlgorithmsFor(rule.Issuer);
        var result = JwsVerifier.Verify(token, algorithms, keys);
        if (result.UnknownKid is not null)
        {
            // The issuer may have rotated its keys since we fetched them; the source decides whether it may look again.
            result = JwsVerifier.Verify(token, algorithms, await source.RefreshForUnknownKidAsync(ct).ConfigureAwait(false));
        }

        if (result.Verified is not { } jws)
        {
            return (null, null, result.Failure);
        }

        var (claims, failure) = JwtClaims.Parse(jws.Payload);
        failure ??= claims!.Check(rule, time.GetUtcNow(), options.ClockSkew);
        return failure is null ? (claims, jws.PayloadSegment, null) : (null, null, failure);
    }
}
