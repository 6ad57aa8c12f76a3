using System.Security.Cryptography;
using System.Text;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

public sealed class CaCommandsTests
{
    private static (string Token, string Sha256) ParseTokenOutput(MeshProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.StdOutLines.Length);
        Assert.StartsWith("token: ", result.StdOutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("tokenSha256: ", result.StdOutLines[1], StringComparison.Ordinal);
        return (result.StdOutLines[0]["token: ".Length..], result.StdOutLines[1]["tokenSha256: ".Length..]);
    }

    [Fact]
    public async Task Token_prints_a_token_and_the_sha256_of_it()
    {
        var (token, sha256) = ParseTokenOutput(await MeshProcess.RunAsync("ca", "token"));

        // 32 random bytes, base64url without padding.
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), sha256);
    }

    [Fact]
    public async Task Token_is_new_on_every_run()
    {
        var first = ParseTokenOutput(await MeshProcess.RunAsync("ca", "token"));
        var second = ParseTokenOutput(await MeshProcess.RunAsync("ca", "token"));

        Assert.NotEqual(first.Token, second.Token);
        Assert.NotEqual(first.Sha256, second.Sha256);
    }

    [Fact]
    public async Task Serve_with_a_config_that_does_not_exist_fails_with_one_line_on_stderr()
    {
        var result = await MeshProcess.RunAsync("ca", "serve", "--config", "/nonexistent-ca.yaml");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.StartsWith("mesh: ", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }
}
