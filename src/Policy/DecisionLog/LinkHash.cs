using System.Security.Cryptography;

namespace Mesh.Policy.DecisionLog;

/// <summary>
/// The hash that links a record to the previous one: SHA-256 of the previous line's exact bytes (without its newline),
/// or HMAC-SHA256 with a key when one is configured, so that someone who can edit the file but does not hold the key
/// cannot recompute the chain. Written as 64 lowercase hex digits.
/// </summary>
internal sealed class LinkHash
{
    public const string Sha256 = "sha256";
    public const string HmacSha256 = "hmac-sha256";
    public const int HexLength = 64;

    private readonly byte[]? key;

    private LinkHash(byte[]? key) => this.key = key;

    public static LinkHash Plain { get; } = new(null);

    public static LinkHash For(byte[]? key) => key is null ? Plain : new LinkHash(key);

    public string Algorithm => key is null ? Sha256 : HmacSha256;

    /// <summary>Writes the link of <paramref name="line"/> as 64 hex digits (UTF-8) into <paramref name="hex"/>.</summary>
    public void Compute(ReadOnlySpan<byte> line, Span<byte> hex)
    {
        Span<byte> digest = stackalloc byte[32];
        if (key is null)
        {
            SHA256.HashData(line, digest);
        }
        else
        {
            HMACSHA256.HashData(key, line, digest);
        }

        Convert.TryToHexStringLower(digest, hex, out _);
    }

    public string Compute(ReadOnlySpan<byte> line)
    {
        Span<byte> hex = stackalloc byte[HexLength];
        Compute(line, hex);
        return System.Text.Encoding.ASCII.GetString(hex);
    }
}
