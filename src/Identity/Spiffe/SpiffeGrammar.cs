namespace Mesh.Identity;

/// <summary>
/// The SPIFFE ID grammar exactly as go-spiffe (spiffeid/charset.go, path.go) enforces it,
/// including its error strings, so that agents written in Go and .NET reject the same inputs
/// with the same words.
/// </summary>
internal static class SpiffeGrammar
{
    internal const string SchemePrefix = "spiffe://";

    internal const string ErrEmpty = "cannot be empty";
    internal const string ErrWrongScheme = "scheme is missing or invalid";
    internal const string ErrMissingTrustDomain = "trust domain is missing";
    internal const string ErrBadTrustDomainChar = "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores";
    internal const string ErrBadPathSegmentChar = "path segment characters are limited to letters, numbers, dots, dashes, and underscores";
    internal const string ErrDotSegment = "path cannot contain dot segments";
    internal const string ErrNoLeadingSlash = "path must have a leading slash";
    internal const string ErrEmptySegment = "path cannot contain empty segments";
    internal const string ErrTrailingSlash = "path cannot have a trailing slash";

    // SPIFFE-ID.md 2.1: "Trust domain names ... MUST contain only lowercase letters, numbers,
    // dots, dashes, and underscores ([a-z0-9.-_])". Anything non-ASCII is rejected, so checking
    // UTF-16 code units gives the same verdict as go-spiffe's byte loop.
    internal static bool IsTrustDomainChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_';

    // SPIFFE-ID.md 2.2: "Valid characters are limited to letters, numbers, dots, dashes, and
    // underscores ([a-zA-Z0-9.-_])"; percent-encoding is not allowed.
    internal static bool IsPathSegmentChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_';

    internal static string? ValidateTrustDomainName(string name)
    {
        if (name.Length == 0)
        {
            return ErrMissingTrustDomain;
        }

        foreach (var c in name)
        {
            if (!IsTrustDomainChar(c))
            {
                return ErrBadTrustDomainChar;
            }
        }

        return null;
    }

    /// <summary>Port of go-spiffe ValidatePath; the empty path (the trust domain's own ID) is valid.</summary>
    internal static string? ValidatePath(string path)
    {
        if (path.Length == 0)
        {
            return null;
        }

        if (path[0] != '/')
        {
            return ErrNoLeadingSlash;
        }

        var segmentStart = 0;
        var segmentEnd = 0;
        for (; segmentEnd < path.Length; segmentEnd++)
        {
            var c = path[segmentEnd];
            if (c == '/')
            {
                switch (path[segmentStart..segmentEnd])
                {
                    case "/":
                        return ErrEmptySegment;
                    case "/." or "/..":
                        return ErrDotSegment;
                }

                segmentStart = segmentEnd;
                continue;
            }

            if (!IsPathSegmentChar(c))
            {
                return ErrBadPathSegmentChar;
            }
        }

        return path[segmentStart..segmentEnd] switch
        {
            "/" => ErrTrailingSlash,
            "/." or "/.." => ErrDotSegment,
            _ => null,
        };
    }

    /// <summary>Port of go-spiffe ValidatePathSegment, for building paths from parts.</summary>
    internal static string? ValidateSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return ErrEmptySegment;
        }

        if (segment is "." or "..")
        {
            return ErrDotSegment;
        }

        foreach (var c in segment)
        {
            if (!IsPathSegmentChar(c))
            {
                return ErrBadPathSegmentChar;
            }
        }

        return null;
    }
}
