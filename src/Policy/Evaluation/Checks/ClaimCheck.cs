using System.Text.Json;
using Mesh.Policy.Matching;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// request.auth.claims[a][b]... Istio's JWT claim matcher takes a string claim or any string element of a
/// list claim; numbers, booleans, objects and a missing path never match.
/// </summary>
internal sealed class ClaimCheck(string field, string[] path, ValuePattern[] patterns, bool negated)
    : FieldCheck(field, patterns.Select(p => p.Text).ToArray(), negated, httpOnly: true)
{
    protected override bool AnyMatches(in RequestView request)
    {
        if (Find(request.Request.Claims) is not { } claim)
        {
            return false;
        }

        if (claim.ValueKind == JsonValueKind.String)
        {
            return MatchesAny(claim);
        }

        if (claim.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in claim.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && MatchesAny(item))
                {
                    return true;
                }
            }
        }

        return false;
    }

    protected override string Describe(in RequestView request) =>
        Find(request.Request.Claims) is { } claim ? $"claim {claim.GetRawText()}" : $"no claim {string.Concat(path.Select(p => $"[{p}]"))}";

    private JsonElement? Find(JsonElement? claims)
    {
        if (claims is not { } current)
        {
            return null;
        }

        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }

    private bool MatchesAny(JsonElement value)
    {
        var text = value.GetString()!;
        foreach (var pattern in patterns)
        {
            if (pattern.Matches(text))
            {
                return true;
            }
        }

        return false;
    }
}
