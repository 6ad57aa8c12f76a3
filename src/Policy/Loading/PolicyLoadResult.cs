namespace Mesh.Policy;

/// <summary>
/// Either a complete policy set or the full list of errors. <see cref="Policies"/> is null whenever
/// there is any error: a half-loaded set would enforce less than the security team wrote.
/// </summary>
public sealed record PolicyLoadResult(PolicySet? Policies, IReadOnlyList<PolicyError> Errors)
{
    public bool Ok => Errors.Count == 0;
}
