using Mesh.Agent.Authn;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Authn;

/// <summary>A JWKS file named by <c>jwksUri: file:///...</c>, loaded through the policy loader and used to verify real tokens; rotation by rewriting the file.</summary>
public sealed class FileJwksSourceTests : IDisposable
{
    private readonly TestIssuer _issuer = new();
    private readonly TestIssuer _next = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-jwks-").FullName;

    public void Dispose()
    {
        _issuer.Dispose();
        _next.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Tokens_verify_against_the_file_and_a_rewritten_file_is_picked_up()
    {
        var path = Path.Combine(_dir, "jwks.json");
        File.WriteAllText(path, _issuer.Jwks);
        var loaded = PolicyLoader.LoadYaml($"""
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {"{"} name: file-keys, namespace: demo {"}"}
            spec:
              jwtRules:
              - issuer: {TestIssuer.Issuer}
                jwksUri: file://{path}
            """, "ra.yaml");
        Assert.True(loaded.Ok, string.Join('\n', loaded.Errors));
        var rules = loaded.RequestAuthentications!.RulesFor("demo", new Dictionary<string, string>());
        var authenticator = new RequestAuthenticator(
            new JwksSources(new HttpClient(), JwksFetchPolicy.Default, TimeProvider.System, NullLoggerFactory.Instance), JwtOptions.Default, TimeProvider.System);

        Assert.IsType<AuthnResult.Authenticated>(await authenticator.AuthenticateAsync(Bearer(_issuer.Rs256()), rules, CancellationToken.None));
        Assert.IsType<AuthnResult.Rejected>(await authenticator.AuthenticateAsync(Bearer(_next.Rs256()), rules, CancellationToken.None));

        // Rotation: the next key set replaces the file (with a later modification time).
        File.WriteAllText(path, _next.Jwks);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));

        Assert.IsType<AuthnResult.Authenticated>(await authenticator.AuthenticateAsync(Bearer(_next.Rs256()), rules, CancellationToken.None));
        Assert.IsType<AuthnResult.Rejected>(await authenticator.AuthenticateAsync(Bearer(_issuer.Rs256()), rules, CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_file_fails_tokens_closed_and_a_broken_rewrite_keeps_the_last_good_keys()
    {
        var path = Path.Combine(_dir, "later.json");
        var source = new FileJwksSource(path, NullLogger.Instance);

        Assert.Equal(0, (await source.GetAsync(CancellationToken.None)).Count);

        File.WriteAllText(path, _issuer.Jwks);
        Assert.Equal(2, (await source.GetAsync(CancellationToken.None)).Count);

        File.WriteAllText(path, "{ not json");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(2, (await source.GetAsync(CancellationToken.None)).Count);
    }

    private static HttpRequest Bearer(string token)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + token;
        return context.Request;
    }
}
