using Mesh.Policy;
using System.Text.Json;

namespace Mesh.Agent.Authn;

/// <summary>
/// The claims of a verified token, checked against one rule (pure: time is a parameter). <c>iss</c> must equal the
/// rule's issuer exactly; <c>exp</c> is required (a token that never expires is a credential that cannot be revoked);
/// <c>nbf</c> is honoured; both with the configured skew; <c>aud</c> must hold one of the rule's audiences when it has any.
/// </summary>
internal sealed record JwtClaims(string Issuer, string? Subject, IReadOnlyList<string> Audiences, string? Presenter, JsonElement Payload)
{
    /// <summary>Parses the payload of a verified JWS; only the object and the registered claims' types are checked here.</summary>
    public static (JwtClaims? Claims, JwtFailure? Failure) Parse(byte[] payload)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(payload);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (null, JwtFailure.BadPayload("the payload is not JSON"));
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, JwtFailure.BadPayload("the payload is not a JSON object"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in root.EnumerateObject())
        {
            if (!names.Add(claim.Name))
            {
                // RFC 7519 4: a JWT with duplicate claim names must be rejected (or the last one taken); two readers could disagree.
                return (null, JwtFailure.BadPayload($"the payload repeats claim '{claim.Name}'"));
            }
        }

        if (!root.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String)
        {
            return (null, JwtFailure.Issuer("the token has no 'iss' string claim"));
        }

        string[] audiences;
        if (!root.TryGetProperty("aud", out var aud))
        {
            audiences = [];
        }
        else if (aud.ValueKind == JsonValueKind.String)
        {
            audiences = [aud.GetString()!];
        }
        else if (aud.ValueKind == JsonValueKind.Array && aud.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String))
        {
            audiences = [.. aud.EnumerateArray().Select(a => a.GetString()!)];
        }
        else
        {
            return (null, JwtFailure.BadPayload("'aud' must be a string or a list of strings"));
        }

        return (new JwtClaims(iss.GetString()!, Text(root, "sub"), audiences, Text(root, "azp"), root), null);
    }

    /// <summary>Reads <c>iss</c> from a token that is not verified yet, only to pick the rules that may verify it.</summary>
    public static string? UnverifiedIssuer(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || Base64UrlStrict.Decode(parts[1]) is not { } payload)
        {
            return null;
        }

        return Parse(payload).Claims?.Issuer;
    }

    /// <summary>Null when the claims satisfy the rule at <paramref name="now"/>, otherwise why not.</summary>
    public JwtFailure? Check(JwtRule rule, DateTimeOffset now, TimeSpan skew)
    {
        if (Issuer != rule.Issuer)
        {
            return JwtFailure.Issuer($"'iss' is '{Issuer}', the rule wants '{rule.Issuer}'");
        }

        if (!Payload.TryGetProperty("exp", out var exp))
        {
            return JwtFailure.Expired("the token has no 'exp'; tokens without an expiry are refused");
        }

        if (NumericDate(exp) is not { } expires)
        {
            return JwtFailure.BadPayload("'exp' is not a NumericDate (seconds since 1970)");
        }

        if (now > expires + skew)
        {
            return JwtFailure.Expired($"expired at {expires:u} (now {now:u}, skew {skew.TotalSeconds:0}s)");
        }

        if (Payload.TryGetProperty("nbf", out var nbf))
        {
            if (NumericDate(nbf) is not { } notBefore)
            {
                return JwtFailure.BadPayload("'nbf' is not a NumericDate (seconds since 1970)");
            }

            if (now + skew < notBefore)
            {
                return JwtFailure.NotYetValid($"not valid before {notBefore:u} (now {now:u}, skew {skew.TotalSeconds:0}s)");
            }
        }

        if (rule.Audiences.Count > 0 && !Audiences.Any(rule.Audiences.Contains))
        {
            return JwtFailure.Audience($"'aud' is [{string.Join(", ", Audiences)}], the rule accepts [{string.Join(", ", rule.Audiences)}]");
        }

        return null;
    }

    private static DateTimeOffset? NumericDate(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || double.IsNaN(seconds)
            || seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return null;
        }

        return DateTimeOffset.UnixEpoch.AddSeconds(Math.Floor(seconds));
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
