using Microsoft.AspNetCore.Http;

namespace Mesh.Agent.Authn;

/// <summary>
/// Finds every token a request carries in the places the workload's rules read. Every one is returned, not the first:
/// as in Envoy's jwt_authn, all tokens in a request must verify, or a request with one good and one forged token would
/// pass and the workload might read the forged one.
/// </summary>
internal static class TokenExtractor
{
    /// <summary>A token and where it was found.</summary>
    internal sealed record Found(string Token, TokenLocation Where);

    public static IReadOnlyList<Found> Extract(HttpRequest request, IEnumerable<TokenLocation> locations)
    {
        var found = new List<Found>();
        var seen = new List<TokenLocation>();
        foreach (var location in locations)
        {
            if (seen.Any(location.SameAs))
            {
                continue;
            }

            seen.Add(location);
            foreach (var token in Read(request, location))
            {
                if (!found.Any(f => f.Token == token && f.Where.SameAs(location)))
                {
                    found.Add(new Found(token, location));
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> Read(HttpRequest request, TokenLocation location)
    {
        switch (location.Kind)
        {
            case TokenLocation.Source.Header:
                // The default "Bearer " is an auth scheme, case-insensitive (RFC 9110 11.1); a configured prefix is matched as written.
                var comparison = ReferenceEquals(location, TokenLocation.Defaults[0]) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                foreach (var value in request.Headers[location.Name])
                {
                    if (value is not null && value.StartsWith(location.Prefix, comparison) && value.Length > location.Prefix.Length)
                    {
                        yield return value[location.Prefix.Length..].Trim();
                    }
                }

                break;
            case TokenLocation.Source.Param:
                foreach (var value in request.Query[location.Name])
                {
                    if (!string.IsNullOrEmpty(value))
                    {
                        yield return value;
                    }
                }

                break;
            default:
                if (request.Cookies.TryGetValue(location.Name, out var cookie) && !string.IsNullOrEmpty(cookie))
                {
                    yield return cookie;
                }

                break;
        }
    }
}
