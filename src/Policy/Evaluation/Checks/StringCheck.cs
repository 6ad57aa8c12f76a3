using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>principals, namespaces, trustDomains, requestPrincipals, methods, paths, hosts and the matching conditions.</summary>
internal sealed class StringCheck(string field, StringAttribute attribute, ValuePattern[] patterns, bool negated, bool httpOnly)
    : FieldCheck(field, patterns.Select(p => p.Text).ToArray(), negated, httpOnly)
{
    public StringAttribute Attribute => attribute;

    /// <summary>The listed values when every one is an exact (ordinal) match, else null: what an index can key on.</summary>
    public string[]? ExactValues => patterns.All(p => p.ExactValue is not null) ? patterns.Select(p => p.ExactValue!).ToArray() : null;

    protected override bool AnyMatches(in RequestView request)
    {
        if (!request.TryGet(attribute, out var value))
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            if (pattern.Matches(value))
            {
                return true;
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request) =>
        request.TryGet(attribute, out var value) ? $"'{value}'" : $"no {Names.Of(attribute)}";
}
