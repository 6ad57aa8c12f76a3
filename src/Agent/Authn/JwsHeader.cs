using System.Text.Json;

namespace Mesh.Agent.Authn;

/// <summary>
/// The protected header of a compact JWS, parsed strictly. Only <c>alg</c>, <c>kid</c> and <c>typ</c> are accepted:
/// <c>jku</c>, <c>x5u</c>, <c>jwk</c> and <c>x5c</c> let the token name its own key (a forger's key), and <c>crit</c>
/// (RFC 7515 4.1.11) demands we understand extensions we do not implement, so it must be refused. Any other
/// parameter is refused as well: a verifier that ignores what it does not understand is how those attacks start.
/// </summary>
internal sealed record JwsHeader(string Alg, string? Kid)
{
    private static readonly HashSet<string> Accepted = ["alg", "kid", "typ"];

    /// <returns>The header, or the failure saying what is wrong with it.</returns>
    public static (JwsHeader? Header, JwtFailure? Failure) Parse(byte[] json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return (null, JwtFailure.BadHeader("the header is not JSON"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, JwtFailure.BadHeader("the header is not a JSON object"));
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    return (null, JwtFailure.BadHeader($"the header repeats '{property.Name}'"));
                }

                if (!Accepted.Contains(property.Name))
                {
                    return (null, JwtFailure.BadHeader($"header parameter '{property.Name}' is not accepted (only alg, kid and typ are)"));
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, JwtFailure.BadHeader($"header parameter '{property.Name}' must be a string"));
                }
            }

            if (!root.TryGetProperty("alg", out var alg))
            {
                return (null, JwtFailure.BadHeader("the header has no 'alg'"));
            }

            return (new JwsHeader(alg.GetString()!, root.TryGetProperty("kid", out var kid) ? kid.GetString() : null), null);
        }
    }
}
