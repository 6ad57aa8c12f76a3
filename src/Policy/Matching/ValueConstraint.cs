namespace Mesh.Policy.Matching;

/// <summary>A field and its <c>notField</c> twin: the value must match one of <see cref="include"/> and none of <see cref="exclude"/>.</summary>
internal sealed class ValueConstraint(StringMatcher[]? include, StringMatcher[]? exclude)
{
    public static readonly ValueConstraint Any = new(null, null);

    public bool IsAny => include is null && exclude is null;

    public bool Matches(string? value)
    {
        if (include is not null && !MatchesAny(include, value))
        {
            return false;
        }

        // A missing value matches every notX list. Istio generates notPrincipals: [x] as the Envoy
        // permission not(principal = x); with no peer principal the inner matcher is false, so the
        // negation is true. That is why DENY notPrincipals: ['*'] rejects plaintext peers.
        return exclude is null || !MatchesAny(exclude, value);
    }

    private static bool MatchesAny(StringMatcher[] matchers, string? value)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.Matches(value))
            {
                return true;
            }
        }

        return false;
    }
}
