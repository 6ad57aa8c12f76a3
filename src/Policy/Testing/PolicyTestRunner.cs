namespace Mesh.Policy.Testing;

/// <summary>
/// Runs policy unit tests (like <c>opa test</c>): each request is decided by the policy set and compared with what the
/// test expects. A rule counts as exercised when some test's request matches it, whether it decided, was overridden by
/// a DENY, or is an AUDIT or dry-run rule; the rules no test reaches are reported so a team sees what is untested.
/// </summary>
public static class PolicyTestRunner
{
    public static PolicyTestReport Run(PolicySet policies, IReadOnlyList<PolicyTestCase> cases)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(cases);
        var exercised = new HashSet<(string, int)>();
        var results = new List<PolicyTestResult>();
        foreach (var test in cases)
        {
            var explanation = policies.Explain(test.Request);
            foreach (var policy in explanation.Policies.Where(p => p.Selected))
            {
                foreach (var rule in policy.Rules.Where(r => r.Matched))
                {
                    exercised.Add((policy.Policy, rule.Index));
                }
            }
            var actual = explanation.Decision;
            results.Add(new PolicyTestResult(test, actual, Compare(test, actual)));
        }
        var unexercised = policies.Catalog()
            .SelectMany(p => Enumerable.Range(0, p.Rules).Select(i => (p.Policy, i)))
            .Where(r => !exercised.Contains(r))
            .ToList();
        return new PolicyTestReport(results, unexercised);
    }

    private static string? Compare(PolicyTestCase test, AuthzDecision actual)
    {
        var problems = new List<string>();
        if (actual.Decision != test.Expect)
        {
            problems.Add($"expected {Name(test.Expect)}, got {Name(actual.Decision)} ({actual.Reason})");
        }
        if (test.Policy is not null && actual.Policy != test.Policy)
        {
            problems.Add($"expected policy {test.Policy}, decided by {actual.Policy ?? "no policy"}");
        }
        if (test.Rule is not null && actual.Rule != test.Rule)
        {
            problems.Add($"expected rule {test.Rule}, decided by rule {actual.Rule?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string Name(DecisionKind kind) => kind == DecisionKind.Allow ? "ALLOW" : "DENY";
}
