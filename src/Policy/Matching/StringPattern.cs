namespace Mesh.Policy.Matching;

/// <summary>Parses Istio's string-match syntax, rejecting what Istio would read differently from how it looks.</summary>
internal static class StringPattern
{
    /// <returns>The matcher, or an error message saying what is wrong and how to fix it.</returns>
    public static (StringMatcher Matcher, string? Error) Parse(string raw)
    {
        if (raw.Length == 0)
        {
            return (default, "empty string is not allowed; remove the entry or use '*' to require any value");
        }

        if (raw == "*")
        {
            return (new StringMatcher(StringMatchKind.Presence, ""), null);
        }

        if (raw[0] == '*' && raw.IndexOf('*', 1) < 0)
        {
            return (new StringMatcher(StringMatchKind.Suffix, raw[1..]), null);
        }

        if (raw[^1] == '*' && raw.IndexOf('*') == raw.Length - 1)
        {
            return (new StringMatcher(StringMatchKind.Prefix, raw[..^1]), null);
        }

        if (raw.Contains('*', StringComparison.Ordinal))
        {
            // Istio would treat the other '*' literally, which is almost never what the author meant.
            return (default, $"'{raw}': '*' is only allowed as the whole value, at the start (suffix match) or at the end (prefix match)");
        }

        return (StringMatcher.Exact(raw), null);
    }
}
