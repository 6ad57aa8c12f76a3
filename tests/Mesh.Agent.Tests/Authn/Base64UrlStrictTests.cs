using Mesh.Agent.Authn;

namespace Mesh.Agent.Tests.Authn;

/// <summary>RFC 7515 base64url as the verifier reads it: canonical encodings only.</summary>
public sealed class Base64UrlStrictTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("Zm9v", "foo")]
    [InlineData("Zm9vYg", "foob")]
    [InlineData("Zm9vYmE", "fooba")]
    [InlineData("_-8", "\u00ff\u00ef")]
    public void Canonical_base64url_decodes(string text, string expected)
    {
        Assert.Equal(expected, System.Text.Encoding.Latin1.GetString(Base64UrlStrict.Decode(text)!));
    }

    [Theory]
    [InlineData("Zm9vYg==", "padding")]
    [InlineData("Zm9v Yg", "whitespace")]
    [InlineData("Zm9v+g", "the standard alphabet's +")]
    [InlineData("Zm9v/g", "the standard alphabet's /")]
    [InlineData("Zm9vYh", "non-zero unused bits (not what any encoder writes)")]
    [InlineData("Zm9vY", "a length no encoding has")]
    [InlineData("Zm9v?", "a character outside the alphabet")]
    public void Anything_else_is_refused(string text, string why)
    {
        Assert.True(Base64UrlStrict.Decode(text) is null, why);
    }
}
