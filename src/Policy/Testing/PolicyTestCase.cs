namespace Mesh.Policy.Testing;

/// <summary>One policy unit test: a request and the decision (and optionally the deciding policy and rule) expected for it.</summary>
/// <param name="Location">file:line of the test, for reports.</param>
public sealed record PolicyTestCase(string Name, string Location, AuthzRequest Request, DecisionKind Expect, string? Policy, int? Rule);
