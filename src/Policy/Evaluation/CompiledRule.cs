using Mesh.Policy.Loading;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// One rule ready to evaluate. Istio: "A match occurs when at least one source, one operation and all
/// conditions matches the request. An empty rule is always matched." A missing from/to matches everything.
/// </summary>
/// <param name="location">Where the rule is written, for decision records; null for rules the loader made up.</param>
internal sealed class CompiledRule(Clause[]? from, Clause[]? to, Clause when, SourceLocation? location = null)
{
    public SourceLocation? Location => location;

    public IReadOnlyList<Clause>? From => from;

    public IReadOnlyList<Clause>? To => to;

    public Clause When => when;

    public IEnumerable<FieldCheck> AllChecks =>
        (from ?? []).Concat(to ?? []).Append(when).SelectMany(c => c.Checks);

    public bool Matches(in RequestView request) => AnyMatches(from, request) && AnyMatches(to, request) && when.Matches(request);

    /// <summary>The rule with some checks removed (TCP projection); clauses stay, so a source left empty matches any source.</summary>
    public CompiledRule Without(Func<FieldCheck, bool> drop) =>
        new(from?.Select(c => c.Without(drop)).ToArray(), to?.Select(c => c.Without(drop)).ToArray(), when.Without(drop), location);

    public IEnumerable<FieldExplanation> Explain(RequestView request) =>
        (from ?? []).Concat(to ?? []).Append(when).SelectMany(c => c.Explain(request));

    private static bool AnyMatches(Clause[]? clauses, in RequestView request)
    {
        if (clauses is null)
        {
            return true;
        }

        foreach (var clause in clauses)
        {
            if (clause.Matches(request))
            {
                return true;
            }
        }

        return false;
    }
}
