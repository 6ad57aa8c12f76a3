namespace Mesh.Policy.Tests.Loading;

/// <summary>PeerAuthentication and RequestAuthentication validation: each error at the offending node.</summary>
public sealed class AuthnLoaderErrorTests
{
    public sealed record Case(string Name, string Yaml, int Line, int Column, string Message)
    {
        public override string ToString() => Name;
    }

    private const string Peer = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\n  namespace: demo\n";
    private const string Request = "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata:\n  name: r\n  namespace: demo\n";
    private const string Rule = Request + "spec:\n  jwtRules:\n  - issuer: i\n";

    public static TheoryData<Case> Cases => new()
    {
        new("peer: unknown spec field", Peer + "spec:\n  mtl: {mode: STRICT}\n", 7, 3, "unknown field 'mtl' in spec; did you mean 'mtls'?"),
        new("peer: unknown mtls field", Peer + "spec:\n  mtls: {mode: STRICT, strict: true}\n", 7, 24, "unknown field 'strict' in mtls"),
        new("peer: unknown mode", Peer + "spec:\n  mtls: {mode: ON}\n", 7, 16, "unknown mTLS mode 'ON'; expected STRICT, PERMISSIVE, DISABLE or UNSET"),
        new("peer: empty matchLabels is no selector for portLevelMtls", Peer + "spec:\n  selector: {matchLabels: {}}\n  portLevelMtls:\n    80: {mode: DISABLE}\n", 8, 3, "portLevelMtls requires a selector"),
        new("peer: port zero", Peer + "spec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls:\n    0: {mode: DISABLE}\n", 9, 5, "portLevelMtls key '0' must be a port number from 1 to 65535"),
        new("peer: port name", Peer + "spec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls:\n    http: {mode: DISABLE}\n", 9, 5, "portLevelMtls key 'http'"),
        new("peer: empty portLevelMtls", Peer + "spec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls: {}\n", 8, 18, "'portLevelMtls' is empty"),
        new("peer: port entry field", Peer + "spec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls:\n    80: {mod: DISABLE}\n", 9, 10, "unknown field 'mod' in a portLevelMtls entry; did you mean 'mode'?"),
        new("peer: selector without a value", Peer + "spec:\n  selector:\n    matchLabels:\n      app:\n", 9, 11, "label 'app' in matchLabels needs a string value"),
        new("peer: bad apiVersion", "apiVersion: security.istio.io/v2\nkind: PeerAuthentication\nmetadata:\n  name: p\n  namespace: demo\n", 1, 13, "apiVersion 'security.istio.io/v2' is not supported for PeerAuthentication"),
        new("peer: missing namespace", "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: p\n", 4, 3, "missing 'metadata.namespace'"),
        new("request: targetRef not yet", Request + "spec:\n  targetRef: {kind: Gateway, name: g}\n", 7, 3, "field 'targetRef' is not supported yet"),
        new("request: jwtRules not a list", Request + "spec:\n  jwtRules: {issuer: i}\n", 7, 13, "field 'jwtRules' must be a list"),
        new("request: empty issuer", Request + "spec:\n  jwtRules:\n  - issuer: \"\"\n", 8, 13, "field 'issuer' must not be an empty string"),
        new("request: empty audience", Rule + "    audiences: [\"\"]\n", 9, 17, "empty value in 'audiences'"),
        new("request: bad header name", Rule + "    fromHeaders:\n    - name: \"x jwt\"\n", 10, 13, "'x jwt' in 'fromHeaders name' is not a valid HTTP header name"),
        new("request: header entry without name", Rule + "    fromHeaders:\n    - prefix: \"Bearer \"\n", 10, 7, "a fromHeaders entry needs 'name'"),
        new("request: empty param", Rule + "    fromParams: [\"\"]\n", 9, 18, "empty value in 'fromParams'"),
        new("request: claim without header", Rule + "    outputClaimToHeaders:\n    - claim: sub\n", 10, 7, "needs both 'header' and 'claim'"),
        new("request: bad output header", Rule + "    outputPayloadToHeader: \"x:payload\"\n", 9, 28, "'x:payload' in 'outputPayloadToHeader' is not a valid HTTP header name"),
        new("request: forwardOriginalToken not a bool", Rule + "    forwardOriginalToken: yes\n", 9, 27, "field 'forwardOriginalToken' must be true or false"),
        new("request: bad timeout", Rule + "    timeout: 5 seconds\n", 9, 14, "timeout '5 seconds' must be a positive duration"),
        new("request: zero timeout", Rule + "    timeout: 0s\n", 9, 14, "must be a positive duration"),
        new("request: relative jwksUri", Rule + "    jwksUri: /keys.json\n", 9, 14, "jwksUri '/keys.json' is not an absolute https:// URL"),
        new("request: file jwksUri with a host", Rule + "    jwksUri: file://keys.example/jwks.json\n", 9, 14, "is not a local file URL; write file:///absolute/path/jwks.json"),
        new("request: relative file jwksUri", Rule + "    jwksUri: file:jwks.json\n", 9, 14, "is not a local file URL"),
        new("request: ftp jwksUri", Rule + "    jwksUri: ftp://x.example/jwks.json\n", 9, 14, "is not an absolute https:// URL"),
        new("request: jwks not an object", Rule + "    jwks: '[1]'\n", 9, 11, "not a JWKS: expected a JSON object with a \"keys\" array"),
        new("request: jwks key without kty", Rule + "    jwks: '{\"keys\": [{\"n\": \"AQAB\"}]}'\n", 9, 11, "key 0: missing \"kty\""),
        new("request: jwks encryption key", Rule + "    jwks: '{\"keys\": [{\"kty\": \"RSA\", \"use\": \"enc\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}'\n", 9, 11, "is not a signature key"),
        new("request: jwks RSA without e", Rule + "    jwks: '{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"a\", \"n\": \"AQAB\"}]}'\n", 9, 11, "key 0 (kid 'a'): RSA key needs \"n\" and \"e\""),
        new("request: jwks unsupported curve", Rule + "    jwks: '{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"X25519\", \"x\": \"AQAB\"}]}'\n", 9, 11, "OKP keys must have \"crv\": \"Ed25519\""),
        new("request: duplicate name", Request + "spec: {}\n---\n" + Request + "spec: {}\n", 11, 3, "duplicate RequestAuthentication demo/r; first defined at policies/p.yaml:4:3"),
        new("peer: duplicate name", Peer + "spec: {}\n---\n" + Peer + "spec: {}\n", 11, 3, "duplicate PeerAuthentication demo/p; first defined at policies/p.yaml:4:3"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_error_at_position(Case c)
    {
        var result = PolicyLoader.LoadYaml(c.Yaml, "policies/p.yaml");

        Assert.False(result.Ok);
        Assert.Null(result.PeerAuthentications);
        Assert.Null(result.RequestAuthentications);
        var error = Assert.Single(result.Errors);
        Assert.Contains(c.Message, error.Message, StringComparison.Ordinal);
        Assert.Equal((c.Line, c.Column), (error.Line, error.Column));
    }

    [Fact]
    public void Reports_every_error_of_every_kind_at_once()
    {
        var yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: a\n  namespace: demo\nspec:\n  action: CUSTOM\n---\n"
            + Peer + "spec:\n  mtls: {mode: ON}\n---\n"
            + Request + "spec:\n  jwtRules:\n  - jwksUri: http://x/keys\n";

        var errors = PolicyLoader.LoadYaml(yaml, "f.yaml").Errors;

        Assert.Equal(["f.yaml:7:11", "f.yaml:15:16", "f.yaml:24:5", "f.yaml:24:14"], errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
    }

    [Fact]
    public void A_file_jwksUri_loads_as_a_local_path()
    {
        var result = PolicyLoader.LoadYaml(Rule + "    jwksUri: file:///etc/mesh/jwks.json\n", "f.yaml");

        Assert.True(result.Ok, string.Join('\n', result.Errors));
        var rule = Assert.Single(result.RequestAuthentications!.RulesFor("demo", new Dictionary<string, string>()));
        Assert.Equal("file", rule.JwksUri!.Scheme);
        Assert.Equal("/etc/mesh/jwks.json", rule.JwksUri.LocalPath);
    }

    [Fact]
    public void Valid_jwks_key_types_load()
    {
        var fixtures = new[]
        {
            """{"keys":[{"kty":"RSA","e":"AQAB","n":"oahUIoWw0K0usKNuOR6H4wkf4oBUXHTxRvgb48E-BVvxkeDNjbC4he8rUWcJoZmds2h7M70imEVhRU5djINXtqllXI4DFqcI1DgjT9LewND8MW2Krf3Spsk_ZkoFnilakGygTwpZ3uesH-PFABNIUYpOiN15dsQRkgr0vEhxN92i2asbOenSZeyaxziK72UwxrrKoExv6kc5twXTq4h-QChLOln0_mtUZwfsRaMStPs6mS6XrgxnxbWhojf663tuEQueGC-FCMfra36C9knDFGzKsNa7LZK2djYgyD3JR_MB_4NUJW_TqOQtwHYbxevoJArm-L5StowjzGy-_bq6Gw"}]}""",
            """{"keys":[{"kty":"EC","crv":"P-256","use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}""",
            """{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}""",
            """{"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}]}""",
        };

        foreach (var jwks in fixtures)
        {
            var result = PolicyLoader.LoadYaml(Rule + $"    jwks: '{jwks}'\n", "f.yaml");
            Assert.True(result.Ok, string.Join('\n', result.Errors));
        }
    }
}
