using Mesh.Policy.Matching;

namespace Mesh.Policy.Loading;

internal enum PolicyAction
{
    Allow,
    Deny,
}

/// <summary>Where a definition came from, so later checks (duplicates) can point at it.</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One validated AuthorizationPolicy, as written; compiling it for evaluation is a separate step.</summary>
/// <param name="MatchLabels">Null when the policy has no selector (all workloads in scope).</param>
internal sealed record PolicyDefinition(
    string Namespace,
    string Name,
    PolicyAction Action,
    IReadOnlyDictionary<string, string>? MatchLabels,
    IReadOnlyList<RuleDefinition> Rules,
    SourceLocation Location)
{
    public string FullName => $"{Namespace}/{Name}";
}

/// <param name="From">Null when the rule has no <c>from</c> section (any source).</param>
/// <param name="To">Null when the rule has no <c>to</c> section (any operation).</param>
/// <param name="Location">Where the rule is written, for decision records; null for rules the loader made up.</param>
internal sealed record RuleDefinition(IReadOnlyList<SourceDefinition>? From, IReadOnlyList<OperationDefinition>? To, SourceLocation? Location = null)
{
    public static readonly RuleDefinition MatchAll = new(null, null);
}

/// <summary>A <c>from[].source</c>; each null field is unconstrained.</summary>
internal sealed record SourceDefinition(StringMatcher[]? Principals, StringMatcher[]? NotPrincipals);

/// <summary>A <c>to[].operation</c>; each null field is unconstrained.</summary>
internal sealed record OperationDefinition(
    int[]? Ports,
    int[]? NotPorts,
    StringMatcher[]? Methods,
    StringMatcher[]? NotMethods,
    StringMatcher[]? Paths,
    StringMatcher[]? NotPaths)
{
    public static readonly OperationDefinition Any = new(null, null, null, null, null, null);

    /// <summary>Fields Envoy can only evaluate on an HTTP filter chain.</summary>
    public bool HasHttpOnlyFields => Methods is not null || NotMethods is not null || Paths is not null || NotPaths is not null;
}
