using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Policy.Matching;

/// <summary>
/// Istio's path templates (Envoy uri_template): <c>{*}</c> is exactly one non-empty path segment,
/// <c>{**}</c> zero or more characters including '/', and must be the last operator. Validity follows
/// Istio's CheckValidPathTemplate: no other '{' or '}', and every literal segment is a non-empty run of
/// RFC 3986 pchars (so no '*' and no empty segment).
/// </summary>
internal static class PathTemplate
{
    public const string One = "{*}";
    public const string Any = "{**}";

    // RFC 3986 pchar minus pct-encoding's structure, as Envoy and Istio accept it.
    private const string Pchar = @"a-zA-Z0-9\-._~%!$&'()+,;:@=";

    public static bool IsTemplate(string path) => path.Contains(One, StringComparison.Ordinal) || path.Contains(Any, StringComparison.Ordinal);

    /// <returns>The anchored regular expression, or an error message saying what is wrong and how to fix it.</returns>
    public static (Regex? Regex, string? Error) Parse(string path)
    {
        if (!path.StartsWith('/'))
        {
            return (null, $"path template '{path}' must start with '/'");
        }

        var segments = path.Trim('/').Split('/');
        var pattern = new StringBuilder("^");
        var sawAny = false;
        foreach (var segment in segments)
        {
            pattern.Append('/');
            if (segment is One or Any)
            {
                if (sawAny)
                {
                    return (null, $"path template '{path}': {{**}} must be the last operator; remove the operators after it");
                }

                sawAny = segment == Any;
                pattern.Append(segment == One ? $"[{Pchar}]+" : $"[{Pchar}/]*");
                continue;
            }

            if (segment.Contains('{', StringComparison.Ordinal) || segment.Contains('}', StringComparison.Ordinal))
            {
                return (null, $"path template '{path}': segment '{segment}' has '{{' or '}}' outside a whole-segment {{*}} or {{**}}");
            }

            if (segment.Length == 0 || !segment.All(IsPchar))
            {
                return (null, segment.Length == 0
                    ? $"path template '{path}' has an empty segment ('//'); templates match whole segments"
                    : $"path template '{path}': segment '{segment}' may only hold URL path characters (letters, digits, -._~%!$&'()+,;:@=); '*' is not a wildcard inside templates, use {{*}} or {{**}}");
            }

            pattern.Append(Regex.Escape(segment));
        }

        if (path.Length > 1 && path.EndsWith('/'))
        {
            pattern.Append('/');
        }

        pattern.Append('$');
        return (new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), null);
    }

    private static bool IsPchar(char c) => char.IsAsciiLetterOrDigit(c) || "-._~%!$&'()+,;:@=".Contains(c, StringComparison.Ordinal);
}
