using System.Buffers.Text;

namespace Mesh.Agent.Authn;

/// <summary>
/// RFC 7515 section 2 base64url: the URL-safe alphabet, no padding, no whitespace, and (our rule) the canonical
/// encoding only, so the unused low bits of the last character must be zero. A token that decodes but is not what
/// any encoder writes was altered after signing (Wycheproof "ModifiedUnusedBits").
/// </summary>
internal static class Base64UrlStrict
{
    /// <returns>The decoded bytes, or null when <paramref name="text"/> is not canonical base64url.</returns>
    public static byte[]? Decode(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 == 1)
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return null;
            }
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }

        return text.SequenceEqual(Base64Url.EncodeToString(bytes)) ? bytes : null;
    }
}
