using System.Security.Cryptography;
using System.Text;

namespace Mesh.Ca;

/// <summary>Node bootstrap tokens: 32 random bytes, base64url; the CA keeps only their SHA-256.</summary>
public static class BootstrapTokens
{
    public static string NewToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lower-case hex SHA-256 of the token's UTF-8 bytes, as written in node grants.</summary>
    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
