namespace Mesh.Agent.Balancing;

/// <summary>Reads one cookie out of a Cookie request header (RFC 6265 section 5.4: "name=value" pairs joined by "; ").</summary>
internal static class CookieHeader
{
    /// <summary>
    /// The value of the first cookie named <paramref name="name"/> (names compare case-sensitively, as RFC 6265 says),
    /// or null when the header is absent or has no such cookie. The value is returned as sent, quotes included.
    /// </summary>
    public static string? Find(string? header, string name)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        foreach (var range in header.AsSpan().Split(';'))
        {
            var pair = header.AsSpan(range).Trim();
            var eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq].TrimEnd().SequenceEqual(name))
            {
                return pair[(eq + 1)..].TrimStart().ToString();
            }
        }
        return null;
    }
}
