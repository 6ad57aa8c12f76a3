namespace Mesh.Policy.Evaluation;

/// <summary>
/// Checks that must all hold: one <c>from[].source</c>, one <c>to[].operation</c>, or a rule's whole
/// <c>when</c> list. An empty clause matches everything (what a DENY source made only of HTTP fields
/// becomes on TCP).
/// </summary>
internal sealed class Clause(string where, FieldCheck[] checks)
{
    public string Where => where;

    public IReadOnlyList<FieldCheck> Checks => checks;

    public bool Matches(in RequestView request)
    {
        foreach (var check in checks)
        {
            if (!check.Matches(request))
            {
                return false;
            }
        }

        return true;
    }

    public Clause Without(Func<FieldCheck, bool> drop) => new(where, checks.Where(c => !drop(c)).ToArray());

    public IEnumerable<FieldExplanation> Explain(RequestView request) => checks.Select(c => c.Explain(where, request));
}
