using System.Security.Cryptography;
using System.Text;
using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

public sealed class BootstrapTokensTests
{
    [Fact]
    public void Token_is_32_random_bytes_base64url_and_hash_is_sha256_hex()
    {
        var token = BootstrapTokens.NewToken();

        Assert.Equal(43, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
        Assert.NotEqual(token, BootstrapTokens.NewToken());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), BootstrapTokens.Hash(token));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("Basic abc", null)]
    [InlineData("Bearer tok-b", "node-b")]
    [InlineData("bearer tok-a", "node-a")]
    [InlineData("Bearer tok-c", null)]
    public void Authenticator_maps_a_bearer_token_to_its_grant(string? header, string? expectedNode)
    {
        var auth = new NodeAuthenticator([
            new CaNodeGrant("node-a", BootstrapTokens.Hash("tok-a"), []),
            new CaNodeGrant("node-b", BootstrapTokens.Hash("tok-b"), []),
        ]);

        Assert.Equal(expectedNode, auth.Authenticate(NodeAuthenticator.BearerToken(header))?.Node);
    }
}
