using System.Text;

namespace Mesh.Policy;

/// <summary>
/// Why a request got its decision: every policy in scope for the destination (its namespace's and the
/// root namespace's), whether its selector picked the workload, and for every rule which field matched
/// or failed and why. Built by <see cref="PolicySet.Explain"/>, off the request path.
/// </summary>
public sealed record AuthzExplanation(AuthzDecision Decision, AuthzProtocol Protocol, IReadOnlyList<PolicyExplanation> Policies)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Decision.Decision == DecisionKind.Allow ? "ALLOW" : "DENY").Append(": ").AppendLine(Decision.Reason);
        foreach (var match in Decision.DryRunMatches)
        {
            text.AppendLine($"  dry-run {match.Action.ToString().ToUpperInvariant()} policy {match.Policy} rule {match.Rule} matched (not enforced)");
        }

        foreach (var match in Decision.AuditMatches)
        {
            text.AppendLine($"  AUDIT policy {match.Policy} rule {match.Rule} matched");
        }

        foreach (var policy in Policies)
        {
            text.Append(policy.Action.ToString().ToUpperInvariant()).Append(policy.DryRun ? " (dry-run) " : " ").Append(policy.Policy);
            if (!policy.Selected)
            {
                text.Append(": not applied, ").AppendLine(policy.Note);
                continue;
            }

            text.AppendLine(policy.Rules.Count == 0 ? ": no rules, matches nothing" : "");
            foreach (var rule in policy.Rules)
            {
                text.Append("  rule ").Append(rule.Index).Append(rule.Matched ? ": matched" : ": no match");
                text.AppendLine(rule.Note is null ? "" : $" ({rule.Note})");
                foreach (var field in rule.Fields)
                {
                    text.Append("    ").Append(field.Matched ? "+ " : "- ").Append(field.Where).Append(' ').AppendLine(field.Detail);
                }
            }
        }

        return text.ToString();
    }
}

/// <param name="Selected">False when the policy's selector does not pick the workload; <see cref="Rules"/> is then empty.</param>
/// <param name="Note">Why the policy is or is not applied (scope, selector).</param>
public sealed record PolicyExplanation(
    string Policy, PolicyAction Action, bool DryRun, bool Selected, string Note, IReadOnlyList<RuleExplanation> Rules);

/// <param name="Note">E.g. why the rule is dropped or narrowed on TCP.</param>
public sealed record RuleExplanation(int Index, bool Matched, string? Note, IReadOnlyList<FieldExplanation> Fields);

/// <param name="Where">Which part of the rule: <c>from[0].source</c>, <c>to[1].operation</c>, <c>when</c>.</param>
/// <param name="Detail">For a person, e.g. <c>paths: '/admin' does not match any of ['/api/*']</c>.</param>
public sealed record FieldExplanation(string Where, string Field, bool Matched, string Detail);
