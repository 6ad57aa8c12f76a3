namespace Mesh.Policy;

/// <summary>The outcome of one authorization check, naming the deciding policy and rule when there is one.</summary>
/// <param name="Policy">"namespace/name" of the deciding policy, or null when no single policy decided.</param>
/// <param name="Rule">0-based index of the deciding rule in that policy, or null.</param>
/// <param name="Reason">Plain words for logs and auditors.</param>
public sealed record AuthzDecision(DecisionKind Decision, string? Policy, int? Rule, string Reason)
{
    public bool Allowed => Decision == DecisionKind.Allow;

    /// <summary>Policies annotated <c>istio.io/dry-run: "true"</c> that matched: evaluated and reported, never enforced.</summary>
    public IReadOnlyList<PolicyMatch> DryRunMatches { get; init; } = [];

    /// <summary>AUDIT policies that matched; AUDIT never changes the decision.</summary>
    public IReadOnlyList<PolicyMatch> AuditMatches { get; init; } = [];

    /// <summary>"file:line" of the deciding rule in the policy directory, or null.</summary>
    public string? At { get; init; }
}

/// <summary>A policy whose rule matched without deciding: a dry-run policy (any action) or an AUDIT policy.</summary>
/// <param name="Rule">0-based index of the first matching rule.</param>
public sealed record PolicyMatch(string Policy, int Rule, PolicyAction Action);
