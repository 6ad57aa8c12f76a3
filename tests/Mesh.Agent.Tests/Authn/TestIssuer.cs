using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// A token issuer for tests: a real RSA key (kid "k1") and a real P-256 key (kid "e1"), their public JWKS, and tokens
/// signed with them, or forged in the ways attackers forge them.
/// </summary>
internal sealed class TestIssuer : IDisposable
{
    public const string Issuer = "https://issuer.test";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Jwks
    {
        get
        {
            var rsa = _rsa.ExportParameters(false);
            var ec = _ec.ExportParameters(false);
            return JsonSerializer.Serialize(new
            {
                keys = new object[]
                {
                    new { kty = "RSA", kid = "k1", use = "sig", n = B64(rsa.Modulus!), e = B64(rsa.Exponent!) },
                    new { kty = "EC", kid = "e1", crv = "P-256", x = B64(ec.Q.X!), y = B64(ec.Q.Y!) },
                },
            });
        }
    }

    /// <summary>Claims of a token valid for an hour, for <paramref name="sub"/>; callers add or drop claims.</summary>
    public static Dictionary<string, object> Claims(string sub = "alice", string issuer = Issuer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object> { ["iss"] = issuer, ["sub"] = sub, ["aud"] = AttackCases.Audience, ["iat"] = now, ["exp"] = now + 3600 };
    }

    public string Rs256(Dictionary<string, object>? claims = null, string kid = "k1") =>
        Sign(new Dictionary<string, object> { ["alg"] = "RS256", ["kid"] = kid, ["typ"] = "JWT" }, claims ?? Claims());

    public string Es256(Dictionary<string, object>? claims = null) =>
        Sign(new Dictionary<string, object> { ["alg"] = "ES256", ["kid"] = "e1" }, claims ?? Claims());

    /// <summary>Signs with the key the header's alg names (RS*/ES256), HMAC with the given secret for HS256, nothing for none.</summary>
    public string Sign(Dictionary<string, object> header, Dictionary<string, object> claims, byte[]? hmacSecret = null)
    {
        var input = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var bytes = Encoding.ASCII.GetBytes(input);
        var signature = header["alg"] switch
        {
            "RS256" => _rsa.SignData(bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "ES256" => _ec.SignData(bytes, HashAlgorithmName.SHA256),
            "HS256" => HMACSHA256.HashData(hmacSecret!, bytes),
            _ => [],
        };
        return input + "." + B64(signature);
    }

    /// <summary>The RSA public key as the bytes an HS256 forger would use as the "secret" (its modulus, as in the JWKS).</summary>
    public byte[] PublicKeyBytes => Encoding.ASCII.GetBytes(B64(_rsa.ExportParameters(false).Modulus!));

    public static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public void Dispose()
    {
        _rsa.Dispose();
        _ec.Dispose();
    }
}
