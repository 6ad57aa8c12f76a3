using Mesh.Agent.Config;
using Mesh.Agent.Policy;
using Mesh.Agent.Telemetry;
using Mesh.Identity;
using Mesh.Policy;

namespace Mesh.Agent.Inbound;

/// <summary>Asks the current policy snapshot about one connection or request and writes the decision to the decision log.</summary>
internal sealed class InboundAuthorizer(PolicyStore policies, IDecisionLog log, AgentMetrics metrics, TimeProvider time)
{
    public (AuthzDecision Decision, string Id) Authorize(SpiffeId? peer, LocalWorkload workload, int port, AuthzProtocol protocol, string? method, string? path, string tls)
    {
        var decision = policies.Current.Evaluate(new AuthzRequest
        {
            SourcePrincipal = peer?.Principal,
            DestinationNamespace = workload.Namespace,
            DestinationLabels = workload.Labels,
            DestinationPort = port,
            Protocol = protocol,
            Method = method,
            Path = path,
        });
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        log.Write(new DecisionRecord
        {
            Time = now,
            Id = id,
            SourcePrincipal = peer?.ToString(),
            DestinationWorkload = workload.Key,
            DestinationPort = port,
            Protocol = protocol == AuthzProtocol.Http ? "http" : "tcp",
            Method = method,
            Path = path,
            Decision = decision.Allowed ? "ALLOW" : "DENY",
            Policy = decision.Policy,
            Rule = decision.Rule,
            Reason = decision.Reason,
            Tls = tls,
        });
        metrics.Decision(decision.Allowed);
        return (decision, id);
    }

    /// <summary>
    /// Re-decides an open TCP connection after a policy reload. Only a DENY is logged (as the record of the closure);
    /// connections that stay allowed were logged when they opened.
    /// </summary>
    public (AuthzDecision Decision, string Id) Recheck(SpiffeId? peer, LocalWorkload workload, int port)
    {
        var decision = policies.Current.Evaluate(new AuthzRequest
        {
            SourcePrincipal = peer?.Principal,
            DestinationNamespace = workload.Namespace,
            DestinationLabels = workload.Labels,
            DestinationPort = port,
            Protocol = AuthzProtocol.Tcp,
        });
        if (decision.Allowed)
        {
            return (decision, "");
        }
        var now = time.GetUtcNow();
        var id = DecisionIds.Next(now);
        log.Write(new DecisionRecord
        {
            Time = now,
            Id = id,
            SourcePrincipal = peer?.ToString(),
            DestinationWorkload = workload.Key,
            DestinationPort = port,
            Protocol = "tcp",
            Decision = "DENY",
            Policy = decision.Policy,
            Rule = decision.Rule,
            Reason = "open connection closed after a policy reload: " + decision.Reason,
            Tls = "mtls",
        });
        metrics.Decision(false);
        return (decision, id);
    }
}
