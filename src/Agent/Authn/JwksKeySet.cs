using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Agent.Authn;

/// <summary>
/// The verification keys of one JWKS (RFC 7517), immutable. Keys that cannot verify signatures are left out here,
/// once, so no token can ever be checked against them: <c>"use"</c> other than <c>"sig"</c>, <c>"key_ops"</c>
/// without <c>"verify"</c>, symmetric (<c>oct</c>) keys (HMAC is never accepted), and key types we do not verify.
/// </summary>
internal sealed class JwksKeySet
{
    private JwksKeySet(IReadOnlyList<JsonWebKey> keys) => Keys = keys;

    public static JwksKeySet Empty { get; } = new([]);

    public IReadOnlyList<JsonWebKey> Keys { get; }

    public int Count => Keys.Count;

    /// <summary>Parses a JWKS document; throws <see cref="FormatException"/> with what is wrong when it is not one.</summary>
    public static JwksKeySet Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the JWKS is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("not a JWKS: expected a JSON object with a \"keys\" array");
            }

            var usable = new List<JsonWebKey>();
            foreach (var element in keys.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.Object && CanVerify(element))
                {
                    try
                    {
                        usable.Add(new JsonWebKey(element.GetRawText()));
                    }
                    catch (ArgumentException)
                    {
                        // A key Microsoft.IdentityModel cannot read is one no token can be verified with.
                    }
                }
            }

            return new JwksKeySet(usable);
        }
    }

    /// <summary>The single key when the JSON is one JWK rather than a set (Wycheproof vectors give keys that way).</summary>
    public static JwksKeySet FromKey(string jwkJson) => Parse("{\"keys\":[" + jwkJson + "]}");

    /// <summary>Keys that may verify a token signed with <paramref name="alg"/> naming <paramref name="kid"/> (any key when no kid).</summary>
    public IEnumerable<JsonWebKey> Candidates(string alg, string? kid) =>
        Keys.Where(k => (kid is null || k.Kid == kid)
            && (string.IsNullOrEmpty(k.Alg) || k.Alg == alg)
            && JwsAlgorithms.Fits(alg, k.Kty, string.IsNullOrEmpty(k.Crv) ? null : k.Crv));

    public bool HasKid(string kid) => Keys.Any(k => k.Kid == kid);

    private static bool CanVerify(JsonElement key)
    {
        if (key.TryGetProperty("use", out var use) && (use.ValueKind != JsonValueKind.String || use.GetString() != "sig"))
        {
            return false;
        }

        if (key.TryGetProperty("key_ops", out var ops)
            && (ops.ValueKind != JsonValueKind.Array || !ops.EnumerateArray().Any(o => o.ValueKind == JsonValueKind.String && o.GetString() == "verify")))
        {
            return false;
        }

        return key.TryGetProperty("kty", out var kty) && kty.ValueKind == JsonValueKind.String && kty.GetString() is "RSA" or "EC" or "OKP";
    }
}
