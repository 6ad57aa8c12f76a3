using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Mesh.Policy.Loading;

/// <summary>
/// Checks an inline JWKS (RFC 7517) the way a verifier would use it: valid JSON with a non-empty "keys"
/// array, and every key importable as a signature-verification key of a kind Envoy's jwt_authn supports
/// (RSA, EC P-256/384/521, OKP Ed25519, oct). A key that cannot be used is an error rather than skipped:
/// a policy whose only "key" is a typo would reject every token.
/// </summary>
internal static class JwksValidator
{
    /// <returns>Null when the JWKS is usable, otherwise what is wrong (and how to fix it).</returns>
    public static string? Check(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return $"not valid JSON at JSON line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}; paste the key set as a JSON object {{\"keys\": [...]}}";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys)
                || keys.ValueKind != JsonValueKind.Array)
            {
                return "not a JWKS: expected a JSON object with a \"keys\" array ({\"keys\": [{\"kty\": ...}]})";
            }

            if (keys.GetArrayLength() == 0)
            {
                return "the JWKS has no keys; no token could ever be verified";
            }

            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (CheckKey(key) is { } problem)
                {
                    var kid = key.ValueKind == JsonValueKind.Object && key.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? $" (kid '{k.GetString()}')" : "";
                    return $"key {index}{kid}: {problem}";
                }

                index++;
            }
        }

        return null;
    }

    private static string? CheckKey(JsonElement key)
    {
        if (key.ValueKind != JsonValueKind.Object)
        {
            return "must be a JSON object";
        }

        if (key.TryGetProperty("use", out var use) && use.ValueKind == JsonValueKind.String && use.GetString() != "sig")
        {
            return $"\"use\": \"{use.GetString()}\" is not a signature key; verification keys have \"use\": \"sig\" (or no \"use\")";
        }

        return Text(key, "kty") switch
        {
            "RSA" => CheckRsa(key),
            "EC" => CheckEc(key),
            "OKP" => Text(key, "crv") != "Ed25519" ? "OKP keys must have \"crv\": \"Ed25519\""
                : Bytes(key, "x") is not { Length: 32 } ? "Ed25519 key needs \"x\": 32 bytes, base64url" : null,
            "oct" => Bytes(key, "k") is { Length: > 0 } ? null : "oct key needs \"k\" (base64url)",
            null => "missing \"kty\" (RSA, EC, OKP or oct)",
            var other => $"unsupported \"kty\": \"{other}\"; use RSA, EC, OKP or oct",
        };
    }

    private static string? CheckRsa(JsonElement key)
    {
        var n = Bytes(key, "n");
        var e = Bytes(key, "e");
        if (n is not { Length: > 0 } || e is not { Length: > 0 })
        {
            return "RSA key needs \"n\" and \"e\" (base64url)";
        }

        try
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = n, Exponent = e });
            return null;
        }
        catch (CryptographicException)
        {
            return "RSA key cannot be imported; check that \"n\" and \"e\" were copied whole";
        }
    }

    private static string? CheckEc(JsonElement key)
    {
        var curve = Text(key, "crv") switch
        {
            "P-256" => ECCurve.NamedCurves.nistP256,
            "P-384" => ECCurve.NamedCurves.nistP384,
            "P-521" => ECCurve.NamedCurves.nistP521,
            _ => (ECCurve?)null,
        };
        if (curve is null)
        {
            return "EC key needs \"crv\": P-256, P-384 or P-521";
        }

        var x = Bytes(key, "x");
        var y = Bytes(key, "y");
        if (x is not { Length: > 0 } || y is not { Length: > 0 })
        {
            return "EC key needs \"x\" and \"y\" (base64url)";
        }

        try
        {
            // Import checks the point is on the curve.
            using var ec = ECDsa.Create(new ECParameters { Curve = curve.Value, Q = new ECPoint { X = x, Y = y } });
            return null;
        }
        catch (CryptographicException)
        {
            // OpenSSL's reason (e.g. "point is not on curve") differs across versions; say what to check instead.
            return $"EC key is not a valid {Text(key, "crv")} public key (\"x\"/\"y\" is not a point on the curve); check that the key was copied whole";
        }
    }

    private static string? Text(JsonElement key, string name) =>
        key.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement key, string name)
    {
        if (Text(key, name) is not { } text)
        {
            return null;
        }

        try
        {
            return Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
