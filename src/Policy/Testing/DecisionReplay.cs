namespace Mesh.Policy.Testing;

/// <summary>A recorded decision the candidate policy set would decide differently.</summary>
public sealed record ChangedDecision(RecordedDecision Recorded, AuthzDecision Now);

/// <summary>
/// Re-decides the requests of a recorded decision log under a candidate policy set: how a team changes policy without
/// fear. Only the decision (ALLOW/DENY) counts as a change; a different deciding rule with the same outcome is reported
/// separately by the caller if it wants.
/// </summary>
public static class DecisionReplay
{
    public static IReadOnlyList<ChangedDecision> Run(PolicySet candidate, IEnumerable<RecordedDecision> recorded)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(recorded);
        var changed = new List<ChangedDecision>();
        foreach (var record in recorded)
        {
            var now = candidate.Evaluate(record.Request);
            if (now.Decision != record.Decision)
            {
                changed.Add(new ChangedDecision(record, now));
            }
        }
        return changed;
    }
}
