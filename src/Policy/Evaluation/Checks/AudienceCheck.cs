using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>request.auth.audiences: matches when any of the JWT's audiences matches.</summary>
internal sealed class AudienceCheck(string field, ValuePattern[] patterns, bool negated)
    : FieldCheck(field, patterns.Select(p => p.Text).ToArray(), negated, httpOnly: true)
{
    protected override bool AnyMatches(in RequestView request)
    {
        if (request.Request.Audiences is not { } audiences)
        {
            return false;
        }

        for (var i = 0; i < audiences.Count; i++)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.Matches(audiences[i]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request) =>
        request.Request.Audiences is { } a ? "audiences [" + string.Join(", ", a.Select(x => $"'{x}'")) + "]" : "no request.auth.audiences (no JWT)";
}
