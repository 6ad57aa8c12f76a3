using Mesh.Policy.Evaluation;

namespace Mesh.Policy.Loading;

/// <summary>Where a definition came from, so later checks (duplicates) can point at it.</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// One validated AuthorizationPolicy. Its rules are already compiled checks (they are immutable values);
/// the protocol projections and decisions are made by <see cref="PolicyCompiler"/>.
/// </summary>
/// <param name="MatchLabels">Null when the policy has no selector (all workloads in scope).</param>
/// <param name="DryRun">istio.io/dry-run: "true": evaluated and reported, never enforced.</param>
internal sealed record PolicyDefinition(
    string Namespace,
    string Name,
    PolicyAction Action,
    bool DryRun,
    IReadOnlyDictionary<string, string>? MatchLabels,
    IReadOnlyList<CompiledRule> Rules,
    SourceLocation Location)
{
    public string FullName => $"{Namespace}/{Name}";
}
