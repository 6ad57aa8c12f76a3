using Mesh.Policy;
using System.Text.Json;

namespace Mesh.Agent.Authn;

/// <summary>What request authentication concluded for one request; exactly one of the three cases.</summary>
internal abstract record AuthnResult
{
    private AuthnResult()
    {
    }

    /// <summary>No token in any place the workload's rules read (or no rules): authorization runs with no request principal.</summary>
    public sealed record NoToken : AuthnResult
    {
        public static NoToken Instance { get; } = new();
    }

    /// <summary>Every token verified; the first one gives the request's identity.</summary>
    /// <param name="Principal"><c>iss/sub</c>, Istio's <c>request.auth.principal</c>.</param>
    /// <param name="Claims">The payload with space-delimited claims split into lists, for <c>request.auth.claims</c>.</param>
    /// <param name="Tokens">Each verified token with where it was found and the rule that verified it, for the output headers.</param>
    public sealed record Authenticated(
        string Principal,
        IReadOnlyList<string> Audiences,
        string? Presenter,
        JsonElement Claims,
        IReadOnlyList<VerifiedToken> Tokens) : AuthnResult;

    /// <summary>A token is invalid: the request is refused (401; 403 for a wrong audience) before authorization.</summary>
    /// <param name="Policy">The RequestAuthentication whose rule refused it, when one did (an unknown issuer has none).</param>
    public sealed record Rejected(JwtFailure Failure, string? Policy) : AuthnResult;
}

/// <summary>One verified token of a request.</summary>
internal sealed record VerifiedToken(TokenLocation Where, JwtRule Rule, JwtClaims Claims, string PayloadSegment);
