using System.Net;
using Mesh.Agent.Config;
using Mesh.Identity;
using Mesh.Policy;

namespace Mesh.Agent.Inbound;

/// <summary>Builds the decision record of one inbound decision from what the agent knows at that moment (pure).</summary>
internal static class InboundDecisionRecord
{
    /// <summary>Everything a record says, as the authorizer has it.</summary>
    public readonly record struct Facts(
        DateTimeOffset Time,
        string Id,
        SpiffeId? Peer,
        IPAddress? PeerAddress,
        string Tls,
        LocalWorkload Workload,
        IPEndPoint Destination,
        AuthzProtocol Protocol,
        string? Method,
        string? Path,
        string? Host,
        AuthzDecision Decision,
        string Reason,
        string PolicySet,
        TimeSpan Latency)
    {
        /// <summary><c>iss/sub</c> of the request's verified JWT; null without one.</summary>
        public string? JwtPrincipal { get; init; }

        /// <summary>Claims of the verified JWT to record (before redaction); null without one.</summary>
        public IReadOnlyDictionary<string, string>? JwtClaims { get; init; }

        /// <summary>The HTTP status answered when it is not the evaluator's 403 (a refused token: 401, or 403 for its audience).</summary>
        public int? HttpStatus { get; init; }
    }

    public static DecisionRecord Build(in Facts facts, FieldRedaction redaction)
    {
        var http = facts.Protocol == AuthzProtocol.Http;
        var decision = facts.Decision;
        return new DecisionRecord
        {
            Time = facts.Time,
            Id = facts.Id,
            Source = new DecisionSource
            {
                Principal = facts.Peer?.ToString(),
                Namespace = facts.Peer?.Namespace,
                Ip = facts.PeerAddress?.ToString(),
                Tls = facts.Tls,
                JwtPrincipal = facts.JwtPrincipal,
                Claims = redaction.Apply(facts.JwtClaims),
            },
            Destination = new DecisionDestination
            {
                Workload = facts.Workload.Key,
                Namespace = facts.Workload.Namespace,
                Ip = facts.Destination.Address.ToString(),
                Port = facts.Destination.Port,
                Labels = facts.Workload.Labels.Count == 0 ? null : facts.Workload.Labels,
            },
            Request = new DecisionRequest
            {
                Protocol = http ? "http" : "tcp",
                Method = facts.Method,
                Host = facts.Host,
                Path = facts.Path,
                NormalizedPath = http ? MatchedPath.Of(facts.Path) : null,
            },
            Result = new DecisionResult
            {
                Decision = decision.Allowed ? "ALLOW" : "DENY",
                HttpStatus = facts.HttpStatus ?? (http && !decision.Allowed ? 403 : null),
                Reason = facts.Reason,
                Detail = decision.Reason,
            },
            Policy = decision.Policy is null ? null : new DecisionPolicy { Name = decision.Policy, Rule = decision.Rule, At = decision.At },
            DryRunMatches = decision.DryRunMatches.Count == 0
                ? null
                : [.. decision.DryRunMatches.Select(m => new DryRunMatch { Policy = m.Policy, Rule = m.Rule, Action = m.Action.ToString().ToUpperInvariant() })],
            PolicySet = facts.PolicySet,
            LatencyUs = Math.Round(facts.Latency.TotalMicroseconds, 1),
        };
    }
}
