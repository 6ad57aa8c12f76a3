using System.Net;
using Mesh.Agent.Authn;
using Mesh.Agent.Config;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Identity;
using Mesh.Policy;

namespace Mesh.Agent.Inbound;

/// <summary>
/// Asks the current policy snapshot about one connection or request and writes the decision to the decision log.
/// While the log cannot be written the agent fails closed by default: every request is denied with
/// <see cref="ReasonCodes.DecisionLogUnavailable"/> (a decision nobody can audit must not let anything through);
/// with <see cref="DecisionLogFailureMode.Open"/> it keeps deciding by policy.
/// </summary>
internal sealed class InboundAuthorizer(
    PolicyStore policies,
    IDecisionLog log,
    DecisionLogFailureMode onLogFailure,
    FieldRedaction redaction,
    AgentMetrics metrics,
    TimeProvider time)
{
    /// <summary>The <c>tls</c> value of a connection that arrived without the mesh's mTLS.</summary>
    public const string Plaintext = "plaintext";

    private static readonly AuthzDecision LogUnavailable =
        new(DecisionKind.Deny, null, null, "the decision log cannot be written; failing closed");

    /// <param name="host">HTTP: the Host (authority) as sent.</param>
    /// <param name="headers">HTTP: the request headers (names case-insensitive), for <c>request.headers[...]</c> conditions.</param>
    /// <param name="sourceIp">
    /// The source workload's address when the agent knows it for certain (plaintext: the socket's peer; mTLS: the peer
    /// socket's address when the registry places the peer's identity there); null leaves <c>source.ip</c> absent.
    /// </param>
    /// <param name="jwt">HTTP: the request's verified JWT (<c>request.auth.*</c>); null when it carried none.</param>
    public (AuthzDecision Decision, string Id) Authorize(
        SpiffeId? peer, IPAddress? peerAddress, LocalWorkload workload, IPEndPoint destination, AuthzProtocol protocol, string? method, string? path, string tls,
        string? host = null, IReadOnlyDictionary<string, string>? headers = null, IPAddress? sourceIp = null, AuthnResult.Authenticated? jwt = null)
    {
        var started = time.GetTimestamp();
        // One snapshot for the decision and the digest it is recorded with, even if a reload swaps it meanwhile.
        var snapshot = policies.Current;
        AuthzDecision decision;
        string reason;
        if (log.Failure is not null && onLogFailure == DecisionLogFailureMode.Closed)
        {
            (decision, reason) = (LogUnavailable, ReasonCodes.DecisionLogUnavailable);
        }
        else
        {
            decision = snapshot.Evaluate(new AuthzRequest
            {
                SourcePrincipal = peer?.Principal,
                SourceIp = sourceIp,
                RemoteIp = sourceIp,
                DestinationNamespace = workload.Namespace,
                DestinationLabels = workload.Labels,
                DestinationIp = destination.Address,
                DestinationPort = destination.Port,
                Protocol = protocol,
                Method = method,
                Path = path,
                Host = host,
                Headers = headers,
                RequestPrincipal = jwt?.Principal,
                Audiences = jwt?.Audiences,
                Presenter = jwt?.Presenter,
                Claims = jwt?.Claims,
            });
            reason = ReasonCodes.For(decision);
        }

        var latency = time.GetElapsedTime(started);
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        log.Write(InboundDecisionRecord.Build(new InboundDecisionRecord.Facts(
            now, id, peer, peerAddress, tls, workload, destination, protocol, method, path, host, decision, reason, snapshot.Digest, latency)
        {
            JwtPrincipal = jwt?.Principal,
            JwtClaims = jwt is null ? null : RecordedClaims(jwt.Tokens[0].Claims),
        }, redaction));
        metrics.Decision(decision.Allowed);
        return (decision, id);
    }

    /// <summary>The JWT rules of every RequestAuthentication selecting the workload, from the current snapshot.</summary>
    public IReadOnlyList<JwtRule> JwtRulesFor(LocalWorkload workload) => policies.RequestAuthentications.RulesFor(workload.Namespace, workload.Labels);

    /// <summary>
    /// Records the refusal of a request whose JWT RequestAuthentication rejected (<see cref="ReasonCodes.JwtInvalid"/>);
    /// authorization does not run, as in Istio, where jwt_authn answers before RBAC.
    /// </summary>
    public string RefuseToken(SpiffeId? peer, IPAddress? peerAddress, LocalWorkload workload, IPEndPoint destination, string? method, string? path, string tls,
        string? host, AuthnResult.Rejected rejected)
    {
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        var decision = new AuthzDecision(DecisionKind.Deny, rejected.Policy, null, $"{rejected.Failure.Message}: {rejected.Failure.Detail}");
        log.Write(InboundDecisionRecord.Build(new InboundDecisionRecord.Facts(
            now, id, peer, peerAddress, tls, workload, destination, AuthzProtocol.Http, method, path, host, decision, ReasonCodes.JwtInvalid,
            policies.Current.Digest, TimeSpan.Zero) { HttpStatus = rejected.Failure.Status }, redaction));
        metrics.Decision(false);
        return id;
    }

    /// <summary>The registered claims that say whose token it was; other claims may be personal data and are not logged.</summary>
    private static Dictionary<string, string> RecordedClaims(JwtClaims claims)
    {
        var recorded = new Dictionary<string, string> { ["iss"] = claims.Issuer };
        if (claims.Subject is { } sub)
        {
            recorded["sub"] = sub;
        }

        if (claims.Audiences.Count > 0)
        {
            recorded["aud"] = string.Join(",", claims.Audiences);
        }

        if (claims.Presenter is { } azp)
        {
            recorded["azp"] = azp;
        }

        return recorded;
    }

    /// <summary>
    /// Records the refusal of a plaintext connection that PeerAuthentication requires to be mTLS (STRICT); no policy is
    /// evaluated, as in Istio, where such a connection never reaches authorization.
    /// </summary>
    public string RefusePlaintext(IPAddress? peerAddress, LocalWorkload workload, IPEndPoint destination, MtlsDecision mode)
    {
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        var decision = new AuthzDecision(DecisionKind.Deny, mode.Policy, null,
            $"plaintext refused: mTLS mode STRICT ({(mode.Policy is null ? "the agent's defaultMtlsMode" : "PeerAuthentication " + mode.Policy)})");
        log.Write(InboundDecisionRecord.Build(new InboundDecisionRecord.Facts(
            now, id, null, peerAddress, Plaintext, workload, destination, AuthzProtocol.Tcp, null, null, null, decision, ReasonCodes.PeerNotMtls,
            policies.Current.Digest, TimeSpan.Zero), redaction));
        metrics.Decision(false);
        return id;
    }

    /// <summary>
    /// Re-decides an open TCP connection after a policy reload. Only a DENY is logged (as the record of the closure);
    /// connections that stay allowed were logged when they opened.
    /// </summary>
    public (AuthzDecision Decision, string Id) Recheck(SpiffeId? peer, IPAddress? peerAddress, LocalWorkload workload, IPEndPoint destination, string tls = "mtls", IPAddress? sourceIp = null)
    {
        var started = time.GetTimestamp();
        var snapshot = policies.Current;
        var decision = snapshot.Evaluate(new AuthzRequest
        {
            SourcePrincipal = peer?.Principal,
            SourceIp = sourceIp,
            RemoteIp = sourceIp,
            DestinationNamespace = workload.Namespace,
            DestinationLabels = workload.Labels,
            DestinationIp = destination.Address,
            DestinationPort = destination.Port,
            Protocol = AuthzProtocol.Tcp,
        });
        if (decision.Allowed)
        {
            return (decision, "");
        }
        var latency = time.GetElapsedTime(started);
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        var closed = decision with { Reason = "open connection closed after a policy reload: " + decision.Reason };
        log.Write(InboundDecisionRecord.Build(new InboundDecisionRecord.Facts(
            now, id, peer, peerAddress, tls, workload, destination, AuthzProtocol.Tcp, null, null, null, closed, ReasonCodes.For(decision), snapshot.Digest, latency), redaction));
        metrics.Decision(false);
        return (closed, id);
    }
}
