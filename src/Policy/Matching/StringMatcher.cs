namespace Mesh.Policy.Matching;

internal enum StringMatchKind
{
    Exact,
    Prefix,
    Suffix,
    Presence,
}

/// <summary>One Istio string pattern, already parsed: <c>abc</c>, <c>abc*</c>, <c>*abc</c> or <c>*</c>.</summary>
internal readonly record struct StringMatcher(StringMatchKind Kind, string Value)
{
    public static StringMatcher Exact(string value) => new(StringMatchKind.Exact, value);

    /// <summary>
    /// A missing value never matches, not even presence: Istio compiles a positive constraint on an
    /// absent attribute to "no match" (ztunnel rbac.rs string_match: presence requires a non-empty value).
    /// </summary>
    public bool Matches(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        return Kind switch
        {
            StringMatchKind.Exact => string.Equals(value, Value, StringComparison.Ordinal),
            StringMatchKind.Prefix => value.StartsWith(Value, StringComparison.Ordinal),
            StringMatchKind.Suffix => value.EndsWith(Value, StringComparison.Ordinal),
            _ => true,
        };
    }
}
