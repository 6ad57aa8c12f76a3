using System.Net;
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
    private static readonly AuthzDecision LogUnavailable =
        new(DecisionKind.Deny, null, null, "the decision log cannot be written; failing closed");

    public (AuthzDecision Decision, string Id) Authorize(
        SpiffeId? peer, IPAddress? peerAddress, LocalWorkload workload, IPEndPoint destination, AuthzProtocol protocol, string? method, string? path, string tls)
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
                DestinationNamespace = workload.Namespace,
                DestinationLabels = workload.Labels,
                DestinationPort = destination.Port,
                Protocol = protocol,
                Method = method,
                Path = path,
            });
            reason = ReasonCodes.For(decision);
        }

        var latency = time.GetElapsedTime(started);
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        log.Write(InboundDecisionRecord.Build(new InboundDecisionRecord.Facts(
            now, id, peer, peerAddress, tls, workload, destination, protocol, method, path, decision, reason, snapshot.Digest, latency), redaction));
        metrics.Decision(decision.Allowed);
        return (decision, id);
    }
}
