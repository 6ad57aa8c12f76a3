using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// Decides who is calling. A TLS client certificate, when presented, must be a valid node SVID of this trust domain
/// (renewals); otherwise the bearer token is a Kubernetes service-account token (JWT-shaped, when configured) or a
/// one-time join token. Which identities the caller may then obtain is <see cref="Issuer"/>'s decision.
/// </summary>
internal sealed class CallerAuthenticator(
    string stateDir,
    Func<TrustBundle> bundle,
    Func<X509Certificate2Collection?> intermediates,
    KubernetesTokenValidator? kubernetes,
    TimeProvider time)
{
    internal readonly record struct Result(CallerIdentity? Caller, StatusCode Status, string? Error);

    internal async Task<Result> AuthenticateAsync(X509Certificate2? clientCertificate, X509Certificate2Collection? sentIntermediates, string? authorization)
    {
        if (clientCertificate is not null)
        {
            return FromCertificate(clientCertificate, sentIntermediates);
        }
        var token = BearerToken(authorization);
        if (token is null)
        {
            return Refuse(authorization is null
                ? "missing credentials: present the node certificate, or authorization: Bearer <join token | service-account token>"
                : "authorization must be 'Bearer <token>'");
        }
        if (KubernetesTokenValidator.LooksLikeJwt(token))
        {
            if (kubernetes is null)
            {
                return Refuse("a service-account token was presented but this CA has no 'auth.kubernetes' configured");
            }
            var (caller, error) = await kubernetes.ValidateAsync(token).ConfigureAwait(false);
            return caller is null ? Refuse(error!) : new Result(caller, StatusCode.OK, null);
        }
        return FromJoinToken(token);
    }

    private Result FromCertificate(X509Certificate2 certificate, X509Certificate2Collection? sentIntermediates)
    {
        // What the node sent, plus this CA's current intermediates; the roots come only from the bundle.
        var candidates = new X509Certificate2Collection();
        if (sentIntermediates is not null)
        {
            candidates.AddRange(sentIntermediates);
        }
        if (intermediates() is { } own)
        {
            candidates.AddRange(own);
        }
        var verdict = SvidValidator.VerifyPeer(certificate, candidates, bundle(), time.GetUtcNow());
        if (!verdict.Ok)
        {
            return Refuse("client certificate rejected: " + verdict.Failure);
        }
        return NodeIds.TryGetNode(verdict.Id!, out var node)
            ? new Result(new CallerIdentity(AuthMethod.NodeCertificate, node, verdict.Id!.ToString()), StatusCode.OK, null)
            : Refuse($"client certificate {verdict.Id} is not a node identity (spiffe://<td>/mesh/node/<node>)");
    }

    private Result FromJoinToken(string token)
    {
        JoinTokenEntry? entry;
        try
        {
            entry = JoinTokens.Find(stateDir, token);
        }
        catch (InvalidOperationException e)
        {
            return new Result(null, StatusCode.Internal, e.Message);
        }
        if (entry is null)
        {
            return Refuse("unknown join token");
        }
        if (time.GetUtcNow() >= entry.Expires)
        {
            return Refuse($"join token {entry.Id} for node {entry.Node} expired at {entry.Expires:O}");
        }
        return new Result(new CallerIdentity(AuthMethod.JoinToken, entry.Node, "join-token:" + entry.Id, "join:" + entry.Id, entry.Expires), StatusCode.OK, null);
    }

    private static Result Refuse(string reason) => new(null, StatusCode.Unauthenticated, reason);

    /// <summary>Extracts the token from an <c>authorization</c> header value (RFC 6750 2.1).</summary>
    internal static string? BearerToken(string? authorization)
    {
        const string prefix = "Bearer ";
        return authorization is not null && authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && authorization[prefix.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;
    }
}
