namespace Mesh.Policy.Evaluation;

/// <summary>
/// One field of a source, operation or condition, compiled: "the attribute matches one of these values"
/// (or, negated, "none of them"). An absent attribute matches no value, so its negated form matches:
/// Istio generates notX as Envoy's not(X), which is how DENY notPrincipals ['*'] catches plaintext peers.
/// </summary>
internal abstract class FieldCheck(string name, IReadOnlyList<string> values, bool negated, bool httpOnly)
{
    /// <summary>The field as written, e.g. <c>notPaths</c> or <c>request.headers[x-foo] notValues</c>.</summary>
    public string Field => name;

    /// <summary>Envoy can only evaluate it on an HTTP filter chain (see PolicyCompiler's TCP projection).</summary>
    public bool HttpOnly => httpOnly;

    /// <summary>A <c>notX</c> field or <c>notValues</c>: matches when no value does.</summary>
    public bool IsNegated => negated;

    public bool Matches(in RequestView request) => AnyMatches(request) != negated;

    public FieldExplanation Explain(string where, in RequestView request)
    {
        var any = AnyMatches(request);
        var actual = Describe(request);
        var list = "[" + string.Join(", ", values.Select(v => $"'{v}'")) + "]";
        var detail = (negated, any) switch
        {
            (false, true) => $"{name}: {actual} matches one of {list}",
            (false, false) => $"{name}: {actual} does not match any of {list}",
            (true, false) => $"{name}: {actual} matches none of {list}",
            (true, true) => $"{name}: {actual} matches one of {list}",
        };
        return new FieldExplanation(where, name, any != negated, detail);
    }

    /// <summary>Whether the attribute is present and matches at least one listed value.</summary>
    protected abstract bool AnyMatches(in RequestView request);

    /// <summary>The request's value for a person: <c>'/admin'</c>, or <c>no source principal</c> when absent. Allocates; explain only.</summary>
    protected abstract string Describe(in RequestView request);

    protected static string Quote(string? value, string absent) => value is null ? absent : $"'{value}'";
}
