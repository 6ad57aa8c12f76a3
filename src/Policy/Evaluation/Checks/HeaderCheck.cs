using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// request.headers[name]. '*' is Envoy's present_match here (Istio's HeaderMatcher), so a header that is
/// sent empty still counts as present.
/// </summary>
internal sealed class HeaderCheck(string field, string header, ValuePattern[] patterns, bool negated)
    : FieldCheck(field, patterns.Select(p => p.Text).ToArray(), negated, httpOnly: true)
{
    protected override bool AnyMatches(in RequestView request)
    {
        if (request.Header(header) is not { } value)
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            if (pattern.IsPresence || pattern.Matches(value))
            {
                return true;
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request) => Quote(request.Header(header), $"no header {header}");
}
