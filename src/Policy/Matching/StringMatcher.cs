namespace Mesh.Policy.Matching;

internal enum StringMatchKind
{
    Exact,
    Prefix,
    Suffix,
    Presence,
}

/// <summary>
/// One Istio string pattern, already parsed: <c>abc</c>, <c>abc*</c>, <c>*abc</c> or <c>*</c>.
/// <see cref="IgnoreCase"/> is for hosts: Istio compiles host patterns with Envoy's ignore_case.
/// </summary>
internal readonly record struct StringMatcher(StringMatchKind Kind, string Value, bool IgnoreCase = false)
{
    public static StringMatcher Exact(string value) => new(StringMatchKind.Exact, value);

    private StringComparison Comparison => IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// A missing value never matches, not even presence: Istio compiles a positive constraint on an
    /// absent attribute to "no match" (ztunnel rbac.rs string_match: presence requires a non-empty value).
    /// </summary>
    public bool Matches(string? value) => value is not null && Matches(value.AsSpan());

    public bool Matches(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        return Kind switch
        {
            StringMatchKind.Exact => value.Equals(Value, Comparison),
            StringMatchKind.Prefix => value.StartsWith(Value, Comparison),
            StringMatchKind.Suffix => value.EndsWith(Value, Comparison),
            _ => true,
        };
    }
}
