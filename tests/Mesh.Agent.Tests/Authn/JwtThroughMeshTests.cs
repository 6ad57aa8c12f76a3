using System.Net;
using System.Text.Json;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// Request authentication end to end through two real agents: curl -> frontend agent -> mTLS -> backend agent (verifies
/// the JWT, then authorizes) -> backend app. The backend workload has a RequestAuthentication for the test issuer and
/// a DENY policy in Istio's "require a token" idiom (notRequestPrincipals: ["*"]) on /echo.
/// </summary>
public sealed class JwtThroughMeshTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new();
    private MeshPair _pair = null!;

    public async Task InitializeAsync()
    {
        _pair = await MeshPair.StartAsync(TimeSpan.FromHours(1));
        var generation = _pair.BackendAgent.PolicyGeneration;
        File.WriteAllText(Path.Combine(_pair.PoliciesDir, "jwt.yaml"), $"""
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {"{"} name: backend-jwt, namespace: demo {"}"}
            spec:
              selector: {"{"} matchLabels: {"{"} app: backend {"}"} {"}"}
              jwtRules:
              - issuer: {TestIssuer.Issuer}
                audiences: [{AttackCases.Audience}]
                jwks: '{_issuer.Jwks}'
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {"{"} name: echo-needs-jwt, namespace: demo {"}"}
            spec:
              selector: {"{"} matchLabels: {"{"} app: backend {"}"} {"}"}
              action: DENY
              rules:
              - from:
                - source: {"{"} notRequestPrincipals: ["*"] {"}"}
                to:
                - operation: {"{"} paths: ["/echo"] {"}"}
            """);
        for (var i = 0; i < 100 && _pair.BackendAgent.PolicyGeneration == generation; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(_pair.BackendAgent.PolicyGeneration > generation, "the backend agent did not load jwt.yaml");
    }

    public async Task DisposeAsync()
    {
        await _pair.DisposeAsync();
        _issuer.Dispose();
    }

    private string Url(string path) => $"http://127.0.0.1:{_pair.FrontendAgent.OutboundEndpoints[0].Port}{path}";

    [Fact]
    public async Task Curl_with_a_valid_token_gets_200_and_the_record_names_the_request_principal()
    {
        var result = await ExternalTool.CurlAsync("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + _issuer.Rs256(), Url("/api/items?valid"));

        Assert.Equal($"{TestBackend.ItemsBody}\n200", result.StdOut);
        var record = await LastRecordAsync("/api/items?valid");
        Assert.Equal("ALLOW", record.Str("result.decision"));
        Assert.Equal($"{TestIssuer.Issuer}/alice", record.Str("source.jwt_principal"));
        Assert.Equal("alice", record.Str("source.claims.sub"));
        Assert.Equal(MeshPair.FrontendId.ToString(), record.Str("source.principal"));
    }

    [Fact]
    public async Task Curl_with_an_invalid_token_gets_401_with_a_challenge_and_a_jwt_invalid_record()
    {
        var expired = _issuer.Rs256(With(TestIssuer.Claims(), "exp", 1_000_000));

        var result = await ExternalTool.CurlAsync("-i", "-H", "Authorization: Bearer " + expired, Url("/api/items?expired"));

        Assert.StartsWith("HTTP/1.1 401", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("www-authenticate: bearer realm=\"http://", result.StdOut.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\"", result.StdOut, StringComparison.Ordinal);
        Assert.EndsWith("Jwt is expired", result.StdOut, StringComparison.Ordinal);
        var record = await LastRecordAsync("/api/items?expired");
        Assert.Equal("DENY", record.Str("result.decision"));
        Assert.Equal("jwt_invalid", record.Str("result.reason"));
        Assert.Equal(401, record.Int("result.http_status"));
        Assert.Contains("Jwt is expired: token in header Authorization (Bearer): expired at", record.Str("result.detail"), StringComparison.Ordinal);
        Assert.Equal("demo/backend-jwt", record.Str("policy.name"));
    }

    [Fact]
    public async Task A_token_in_the_query_is_redacted_in_the_record_and_kept_out_of_the_challenge()
    {
        var valid = await ExternalTool.CurlAsync("-w", "\n%{http_code}", Url("/api/items?page=2&access_token=" + _issuer.Rs256()));
        var expired = _issuer.Rs256(With(TestIssuer.Claims(), "exp", 1_000_000));
        var refused = await ExternalTool.CurlAsync("-i", Url("/api/items?page=3&access_token=" + expired));

        Assert.EndsWith("\n200", valid.StdOut, StringComparison.Ordinal);
        Assert.Equal($"{TestIssuer.Issuer}/alice", (await LastRecordAsync("/api/items?page=2&access_token=REDACTED")).Str("source.jwt_principal"));
        Assert.Equal("jwt_invalid", (await LastRecordAsync("/api/items?page=3&access_token=REDACTED")).Str("result.reason"));
        Assert.Contains("/api/items\", error=\"invalid_token\"", refused.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(expired, refused.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(expired, File.ReadAllText(_pair.BackendDecisionLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_requiring_a_request_principal_denies_without_a_token_and_allows_with_one()
    {
        var without = await ExternalTool.CurlAsync("-w", "\n%{http_code}", Url("/echo"));
        var with = await ExternalTool.CurlAsync("-w", "\n%{http_code}", "-H", "Authorization: Bearer " + _issuer.Es256(), Url("/echo"));

        Assert.Equal("RBAC: access denied\n403", without.StdOut);
        Assert.EndsWith("\n200", with.StdOut, StringComparison.Ordinal);
        Assert.Contains("host=", with.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_attack_is_refused_through_the_mesh_with_its_reason_logged()
    {
        using var client = new HttpClient();
        var failures = new List<string>();
        for (var i = 0; i < AttackCases.All.Count; i++)
        {
            var attack = AttackCases.All[i];
            using var request = new HttpRequestMessage(HttpMethod.Get, Url($"/api/items?attack={i}"));
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + attack.Token(_issuer));
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var record = await LastRecordAsync($"/api/items?attack={i}");
            var challenge = response.Headers.WwwAuthenticate.ToString();
            if ((int)response.StatusCode != attack.Status || body != attack.Body || !challenge.Contains("error=\"invalid_token\"", StringComparison.Ordinal)
                || record.Str("result.reason") != "jwt_invalid" || record.Int("result.http_status") != attack.Status
                || !record.Str("result.detail")!.Contains(attack.Detail, StringComparison.Ordinal))
            {
                failures.Add($"{attack.Name}: {(int)response.StatusCode} '{body}' [{challenge}] record {record.Str("result.reason")}: {record.Str("result.detail")}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private async Task<JsonElement> LastRecordAsync(string path)
    {
        await _pair.BackendAgent.FlushDecisionLogAsync();
        return File.ReadAllLines(_pair.BackendDecisionLog)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Last(r => r.Str("request.path") == path);
    }

    private static Dictionary<string, object> With(Dictionary<string, object> claims, string name, object value)
    {
        claims[name] = value;
        return claims;
    }
}
