using Mesh.Agent.Authn;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Authn;

/// <summary>What the workload receives after authentication: output headers set from the verified token, client-sent copies removed, the token removed unless forwarded.</summary>
public sealed class JwtOutputHeadersTests : IDisposable
{
    private readonly TestIssuer _issuer = new();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task A_verified_token_sets_payload_and_claim_headers_and_is_removed()
    {
        var claims = TestIssuer.Claims("alice");
        claims["org"] = new Dictionary<string, object> { ["team"] = "payments" };
        var token = _issuer.Rs256(claims);
        var request = Request(r => r.Headers.Authorization = "Bearer " + token);
        var rule = Rule();

        JwtOutputHeaders.Apply(request, [rule], await Authenticate(request, rule));

        Assert.Equal(token.Split('.')[1], request.Headers["x-jwt-payload"].ToString());
        Assert.Equal("alice", request.Headers["x-jwt-sub"].ToString());
        Assert.Equal("payments", request.Headers["x-jwt-team"].ToString());
        Assert.Equal(claims["exp"].ToString(), request.Headers["x-jwt-exp"].ToString());
        Assert.False(request.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task With_forwardOriginalToken_the_token_stays()
    {
        var token = _issuer.Rs256();
        var request = Request(r => r.Headers.Authorization = "Bearer " + token);
        var rule = Rule() with { ForwardOriginalToken = true };

        JwtOutputHeaders.Apply(request, [rule], await Authenticate(request, rule));

        Assert.Equal("Bearer " + token, request.Headers.Authorization.ToString());
    }

    [Fact]
    public async Task A_token_from_a_query_parameter_is_removed_from_the_query_only()
    {
        var token = _issuer.Rs256();
        var request = Request(r => r.QueryString = new QueryString($"?page=2&access_token={token}&q=x"));
        var rule = Rule();

        JwtOutputHeaders.Apply(request, [rule], await Authenticate(request, rule));

        Assert.Equal("?page=2&q=x", request.QueryString.Value);
    }

    [Fact]
    public async Task Without_a_token_client_sent_output_headers_are_removed()
    {
        var request = Request(r =>
        {
            r.Headers["x-jwt-sub"] = "admin";
            r.Headers["x-jwt-payload"] = "eyJzdWIiOiJhZG1pbiJ9";
        });
        var rule = Rule();

        var result = await Authenticate(request, rule);
        JwtOutputHeaders.Apply(request, [rule], result);

        Assert.IsType<AuthnResult.NoToken>(result);
        Assert.False(request.Headers.ContainsKey("x-jwt-sub"));
        Assert.False(request.Headers.ContainsKey("x-jwt-payload"));
    }

    private JwtRule Rule() => new(
        "demo/jwt", TestIssuer.Issuer, [], _issuer.Jwks, null, [], [], [], "x-jwt-payload",
        [new ClaimToHeader("x-jwt-sub", "sub"), new ClaimToHeader("x-jwt-team", "org.team"), new ClaimToHeader("x-jwt-exp", "exp")], false, null, []);

    private static HttpRequest Request(Action<HttpRequest> build)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/api";
        build(context.Request);
        return context.Request;
    }

    private static async Task<AuthnResult> Authenticate(HttpRequest request, JwtRule rule)
    {
        var sources = new JwksSources(new HttpClient(), JwksFetchPolicy.Default, TimeProvider.System, NullLoggerFactory.Instance);
        return await new RequestAuthenticator(sources, JwtOptions.Default, TimeProvider.System).AuthenticateAsync(request, [rule], CancellationToken.None);
    }
}
