namespace Mesh.Policy.Testing;

/// <param name="Failure">Null when the test passed; otherwise what differed.</param>
public sealed record PolicyTestResult(PolicyTestCase Case, AuthzDecision Actual, string? Failure)
{
    public bool Passed => Failure is null;
}

/// <summary>The outcome of a test run: each test's result and the rules no test exercised.</summary>
public sealed record PolicyTestReport(IReadOnlyList<PolicyTestResult> Results, IReadOnlyList<(string Policy, int Rule)> Unexercised)
{
    public int Passed => Results.Count(r => r.Passed);

    public int Failed => Results.Count(r => !r.Passed);
}
