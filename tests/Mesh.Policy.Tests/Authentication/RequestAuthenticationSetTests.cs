using static Mesh.Policy.Tests.Authentication.AuthnYaml;

namespace Mesh.Policy.Tests.Authentication;

/// <summary>RulesFor: which jwtRules apply to a workload, and that every field is carried through.</summary>
public sealed class RequestAuthenticationSetTests
{
    private const string Jwks = """{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}""";

    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    private static readonly string Yaml =
        Request("istio-system", "mesh", "jwtRules:\n- issuer: mesh-issuer\n  jwksUri: https://mesh.example.com/jwks.json")
        + Request("istio-system", "mesh-api", "selector: {matchLabels: {app: api}}\njwtRules:\n- issuer: mesh-api-issuer")
        + Request("foo", "ns", "jwtRules:\n- issuer: ns-issuer")
        + Request("foo", "api", "selector: {matchLabels: {app: api}}\njwtRules:\n- issuer: api-1\n- issuer: api-2")
        + Request("bar", "other", "jwtRules:\n- issuer: bar-issuer");

    [Theory]
    [InlineData("foo", "api", "api-1 api-2 ns-issuer mesh-issuer mesh-api-issuer")]
    [InlineData("foo", "web", "ns-issuer mesh-issuer")]
    [InlineData("bar", "web", "bar-issuer mesh-issuer")]
    [InlineData("baz", "api", "mesh-issuer mesh-api-issuer")]
    [InlineData("istio-system", "web", "mesh-issuer")]
    public void Rules_for_a_workload_combine_namespace_and_root_namespace_policies(string ns, string app, string issuers)
    {
        var set = Load(Yaml).RequestAuthentications!;

        var rules = set.RulesFor(ns, app == "api" ? Api : Web);

        Assert.Equal(issuers, string.Join(' ', rules.Select(r => r.Issuer)));
    }

    [Fact]
    public void Rules_name_their_policy()
    {
        var rules = Load(Yaml).RequestAuthentications!.RulesFor("foo", Api);

        Assert.Equal(["foo/api", "foo/api", "foo/ns", "istio-system/mesh", "istio-system/mesh-api"], rules.Select(r => r.Policy));
    }

    [Fact]
    public void No_policy_no_rules()
    {
        Assert.Empty(RequestAuthenticationSet.Empty.RulesFor("foo", Api));
        Assert.DoesNotContain(Load(Yaml).RequestAuthentications!.RulesFor("bar", Api), r => r.Policy.StartsWith("foo/", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_field_is_read()
    {
        var yaml = Request("foo", "full", $$"""
            selector:
              matchLabels:
                app: api
            jwtRules:
            - issuer: https://issuer.example.com
              audiences: [api, web]
              jwks: '{{Jwks}}'
              fromHeaders:
              - name: x-jwt
                prefix: "Bearer "
              - name: x-token
              fromParams: [token]
              fromCookies: [session]
              outputPayloadToHeader: x-jwt-payload
              outputClaimToHeaders:
              - header: x-sub
                claim: sub
              forwardOriginalToken: true
              timeout: 1.5s
              spaceDelimitedClaims: [scope]
            - issuer: other
              jwksUri: https://other.example.com/keys
              timeout: 250ms
            """);

        var rules = Load(yaml).RequestAuthentications!.RulesFor("foo", Api);

        var full = rules[0];
        Assert.Equal("foo/full", full.Policy);
        Assert.Equal("https://issuer.example.com", full.Issuer);
        Assert.Equal(["api", "web"], full.Audiences);
        Assert.Equal(Jwks, full.Jwks);
        Assert.Null(full.JwksUri);
        Assert.Equal([new JwtHeader("x-jwt", "Bearer "), new JwtHeader("x-token", "")], full.FromHeaders);
        Assert.Equal(["token"], full.FromParams);
        Assert.Equal(["session"], full.FromCookies);
        Assert.Equal("x-jwt-payload", full.OutputPayloadToHeader);
        Assert.Equal([new ClaimToHeader("x-sub", "sub")], full.OutputClaimToHeaders);
        Assert.True(full.ForwardOriginalToken);
        Assert.Equal(TimeSpan.FromSeconds(1.5), full.Timeout);
        Assert.Equal(["scope"], full.SpaceDelimitedClaims);

        var other = rules[1];
        Assert.Equal(new Uri("https://other.example.com/keys"), other.JwksUri);
        Assert.Null(other.Jwks);
        Assert.False(other.ForwardOriginalToken);
        Assert.Equal(TimeSpan.FromMilliseconds(250), other.Timeout);
        Assert.Empty(other.FromHeaders);
        Assert.Empty(RulesFor(yaml, "foo", Web));
    }

    private static IReadOnlyList<JwtRule> RulesFor(string yaml, string ns, Dictionary<string, string> labels) =>
        Load(yaml).RequestAuthentications!.RulesFor(ns, labels);
}
