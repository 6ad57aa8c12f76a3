namespace Mesh.Policy.Evaluation;

/// <summary>
/// What the path matchers compare against. Istio's mesh default pathNormalization is BASE: Envoy
/// normalizes per RFC 3986 (dot segments removed, %2E decoded, backslash read as slash) before RBAC
/// runs, and RBAC's url_path matcher ignores the query string. Doing it here, inside the engine,
/// means a raw <c>/public/../admin</c> can never slip past a <c>/admin*</c> DENY.
/// </summary>
internal static class RequestPath
{
    public static string? Normalize(string? raw)
    {
        if (raw is null)
        {
            return null;
        }

        var end = raw.AsSpan().IndexOfAny('?', '#');
        var path = end >= 0 ? raw[..end] : raw;
        if (!path.StartsWith('/') || !NeedsNormalizing(path))
        {
            // Also covers "*" (OPTIONS *) and the common case, which then costs no allocation.
            return path;
        }

        path = path.Replace('\\', '/').Replace("%2E", ".", StringComparison.OrdinalIgnoreCase);
        return RemoveDotSegments(path);
    }

    private static bool NeedsNormalizing(string path) =>
        path.Contains('\\', StringComparison.Ordinal)
        || path.Contains('%', StringComparison.Ordinal)
        || path.Contains("/.", StringComparison.Ordinal);

    /// <summary>RFC 3986 section 5.2.4 for an absolute path; empty segments are kept (BASE does not merge slashes).</summary>
    private static string RemoveDotSegments(string path)
    {
        var segments = path.Split('/');
        var output = new List<string>(segments.Length);
        var trailingSlash = false;
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            trailingSlash = segment is "." or "..";
            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }
            }
            else if (segment != ".")
            {
                output.Add(segment);
            }
        }

        var joined = "/" + string.Join('/', output);
        return trailingSlash && !joined.EndsWith('/') ? joined + "/" : joined;
    }
}
