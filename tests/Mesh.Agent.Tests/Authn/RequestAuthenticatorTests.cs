using System.Text.Json;
using Mesh.Agent.Authn;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// <see cref="RequestAuthenticator"/> on real requests (ASP.NET Core's DefaultHttpContext), real keys and real signatures:
/// which tokens it finds, what a valid one yields, and every attack it refuses with the reason it gives.
/// </summary>
public sealed class RequestAuthenticatorTests : IDisposable
{
    private readonly TestIssuer _issuer = new();

    public void Dispose() => _issuer.Dispose();

    public static TheoryData<string> Attacks => [.. AttackCases.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Each_attack_is_refused_with_its_reason(string name)
    {
        var attack = AttackCases.All.Single(a => a.Name == name);

        var result = await Authenticate(Bearer(attack.Token(_issuer)), Rule());

        var rejected = Assert.IsType<AuthnResult.Rejected>(result);
        Assert.Equal(attack.Status, rejected.Failure.Status);
        Assert.Equal(attack.Body, rejected.Failure.Message);
        Assert.Contains(attack.Detail, rejected.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_token_gives_the_request_principal_audiences_presenter_and_claims()
    {
        var claims = TestIssuer.Claims("alice");
        claims["azp"] = "web-app";
        claims["scope"] = "read write";

        var result = await Authenticate(Bearer(_issuer.Es256(claims)), Rule());

        var ok = Assert.IsType<AuthnResult.Authenticated>(result);
        Assert.Equal($"{TestIssuer.Issuer}/alice", ok.Principal);
        Assert.Equal([AttackCases.Audience], ok.Audiences);
        Assert.Equal("web-app", ok.Presenter);
        // Istio splits scope on spaces so that "read" matches a token granted "read write".
        Assert.Equal(["read", "write"], ok.Claims.GetProperty("scope").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task No_token_and_no_rules_are_both_no_token()
    {
        Assert.IsType<AuthnResult.NoToken>(await Authenticate(_ => { }, Rule()));
        Assert.IsType<AuthnResult.NoToken>(await Authenticate(Bearer("garbage"), []));
        // A header that does not start with the prefix carries no token (Envoy ignores it).
        Assert.IsType<AuthnResult.NoToken>(await Authenticate(r => r.Headers.Authorization = "Basic dXNlcjpwdw==", Rule()));
    }

    [Fact]
    public async Task The_default_locations_are_the_bearer_header_and_the_access_token_parameter()
    {
        var token = _issuer.Rs256();

        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(r => r.Headers.Authorization = "bearer " + token, Rule()));
        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(r => r.QueryString = new QueryString("?access_token=" + token), Rule()));
        Assert.IsType<AuthnResult.NoToken>(await Authenticate(r => r.QueryString = new QueryString("?token=" + token), Rule()));
    }

    [Fact]
    public async Task Configured_headers_params_and_cookies_are_read_and_only_those()
    {
        var rule = Rule() with { FromHeaders = [new JwtHeader("x-jwt", "Token ")], FromParams = ["t"], FromCookies = ["session"] };
        var token = _issuer.Rs256();

        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(r => r.Headers["x-jwt"] = "Token " + token, rule));
        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(r => r.QueryString = new QueryString("?t=" + token), rule));
        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(r => r.Headers.Cookie = "a=b; session=" + token, rule));
        Assert.IsType<AuthnResult.NoToken>(await Authenticate(Bearer(token), rule));
    }

    [Fact]
    public async Task Every_token_must_verify_one_good_token_does_not_carry_a_bad_one()
    {
        var good = _issuer.Rs256();
        var expired = _issuer.Rs256(With(TestIssuer.Claims(), "exp", 1_000_000));

        var result = await Authenticate(r =>
        {
            r.Headers.Authorization = "Bearer " + good;
            r.QueryString = new QueryString("?access_token=" + expired);
        }, Rule());

        var rejected = Assert.IsType<AuthnResult.Rejected>(result);
        Assert.Equal("Jwt is expired", rejected.Failure.Message);
        Assert.Contains("query parameter access_token", rejected.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_is_valid_when_any_rule_for_its_issuer_accepts_it()
    {
        // Istio combines RequestAuthentications: one rule wants audience "other", another accepts any audience.
        var strict = Rule() with { Audiences = ["other"] };
        var lenient = Rule() with { Audiences = [] };

        Assert.IsType<AuthnResult.Rejected>(await Authenticate(Bearer(_issuer.Rs256()), strict));
        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(Bearer(_issuer.Rs256()), strict, lenient));
    }

    [Fact]
    public async Task Skew_is_honoured_on_both_sides()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(Bearer(_issuer.Rs256(With(TestIssuer.Claims(), "exp", now - 10))), Rule()));
        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(Bearer(_issuer.Rs256(With(TestIssuer.Claims(), "nbf", now + 10))), Rule()));
    }

    [Fact]
    public async Task An_algorithm_outside_the_issuers_allow_list_is_refused()
    {
        var options = JwtOptions.Default with { Algorithms = new Dictionary<string, IReadOnlyList<string>> { [TestIssuer.Issuer] = ["ES256"] } };

        Assert.IsType<AuthnResult.Authenticated>(await Authenticate(Bearer(_issuer.Es256()), [Rule()], options));
        var rejected = Assert.IsType<AuthnResult.Rejected>(await Authenticate(Bearer(_issuer.Rs256()), [Rule()], options));
        Assert.Contains("not in this issuer's allowed algorithms", rejected.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cors_preflight_is_not_authenticated()
    {
        var expired = _issuer.Rs256(With(TestIssuer.Claims(), "exp", 1_000_000));

        var preflight = await Authenticate(r =>
        {
            r.Method = "OPTIONS";
            r.Headers.Origin = "https://app.example";
            r.Headers.AccessControlRequestMethod = "POST";
            r.Headers.Authorization = "Bearer " + expired;
        }, Rule());
        var notPreflight = await Authenticate(r =>
        {
            r.Method = "OPTIONS";
            r.Headers.AccessControlRequestMethod = "POST";
            r.Headers.Authorization = "Bearer " + expired;
        }, Rule());

        Assert.IsType<AuthnResult.NoToken>(preflight);
        Assert.IsType<AuthnResult.Rejected>(notPreflight);
    }

    [Fact]
    public async Task A_rule_without_keys_fails_its_tokens_closed()
    {
        var rule = Rule() with { Jwks = null, JwksUri = null };

        var rejected = Assert.IsType<AuthnResult.Rejected>(await Authenticate(Bearer(_issuer.Rs256()), rule));

        Assert.Equal("Jwks remote fetch is failed", rejected.Failure.Message);
        Assert.Contains("OpenID discovery is not supported", rejected.Failure.Detail, StringComparison.Ordinal);
    }

    internal JwtRule Rule() => new(
        "demo/jwt", TestIssuer.Issuer, [AttackCases.Audience], _issuer.Jwks, null, [], [], [], null, [], false, null, []);

    private static Action<HttpRequest> Bearer(string token) => r => r.Headers.Authorization = "Bearer " + token;

    private static Task<AuthnResult> Authenticate(Action<HttpRequest> build, params JwtRule[] rules) => Authenticate(build, rules, JwtOptions.Default);

    private static async Task<AuthnResult> Authenticate(Action<HttpRequest> build, JwtRule[] rules, JwtOptions options)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/api";
        build(context.Request);
        var sources = new JwksSources(new HttpClient(), options.Fetch, TimeProvider.System, NullLoggerFactory.Instance);
        return await new RequestAuthenticator(sources, options, TimeProvider.System).AuthenticateAsync(context.Request, rules, CancellationToken.None);
    }

    private static Dictionary<string, object> With(Dictionary<string, object> claims, string name, object value)
    {
        claims[name] = value;
        return claims;
    }
}
