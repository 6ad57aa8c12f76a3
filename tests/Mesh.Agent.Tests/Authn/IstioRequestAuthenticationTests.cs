using System.Globalization;
using System.Net;
using System.Text.Json;
using Mesh.Agent.Authn;
using Mesh.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Mesh.Agent.Tests.Authn;

/// <summary>
/// Istio's TestRequestAuthentication and TestAuthz_JWT (suites istio-it-request-authentication and istio-it-authz-jwt of
/// ../shared/testdata/authz/istio) through the
/// real parts: the policy loader, <see cref="RequestAuthenticator"/> with Istio's own signed test tokens and JWKS
/// (jwt_fixtures), the evaluator, and <see cref="JwtOutputHeaders"/> for the headers the workload would see. A refused
/// token is the status the authenticator gives (401; 403 for the audience); otherwise the evaluator decides (403 on DENY).
/// </summary>
public sealed class IstioRequestAuthenticationTests(ITestOutputHelper output)
{
    private const string Suite = "istio-it-request-authentication";

    // Istio's TestAuthz_JWT: one RequestAuthentication and one policy over request.auth.* attributes, 32 cases.
    private const string AuthzSuite = "istio-it-authz-jwt";

    // The data's stand-in for "a JWKS URL that does not answer"; here a loopback port nothing listens on, over https.
    private const string MissingJwks = "https://raw.githubusercontent.com/istio/istio/master/tests/common/jwt/jwks-not-exist.json";
    private const string Unreachable = "https://127.0.0.1:9/jwks-not-exist.json";

    private static readonly Dictionary<string, string> WorkloadB = new() { ["app"] = "b" };

    [SkippableFact]
    public async Task Every_case_of_the_request_authentication_suite_gets_istios_status_and_headers()
    {
        var (run, headersChecked) = await RunSuiteAsync(Suite, s => ((YamlSequenceNode)s.Children[new YamlScalarNode("groups")]).Cast<YamlMappingNode>());

        Assert.Equal(26, run);
        Assert.Equal(3, headersChecked);
    }

    [SkippableFact]
    public async Task Every_case_of_the_authz_jwt_suite_gets_istios_decision_with_verified_tokens()
    {
        // The suite is one group: its policies and cases sit on the suite itself.
        var (run, _) = await RunSuiteAsync(AuthzSuite, s => [s]);

        Assert.Equal(32, run);
    }

    private async Task<(int Run, int HeadersChecked)> RunSuiteAsync(string id, Func<YamlMappingNode, IEnumerable<YamlMappingNode>> groups)
    {
        var root = LoadSuites();
        var tokens = LoadTokens();
        var jwks = File.ReadAllText(SharedTestData.Require("authz", "istio", "jwt_fixtures", "jwks.json")).ReplaceLineEndings(" ").Trim();
        var suite = ((YamlSequenceNode)root.Children[new YamlScalarNode("suites")]).Cast<YamlMappingNode>().Single(s => Str(s, "id") == id);
        var mismatches = new List<string>();
        var run = 0;
        var headersChecked = 0;
        foreach (var group in groups(suite))
        {
            var policies = (YamlSequenceNode)group.Children[new YamlScalarNode("policies")];
            var yaml = string.Join("---\n", policies.Select(Yaml))
                .Replace("<jwt_fixtures/jwks.json>", "'" + jwks + "'", StringComparison.Ordinal)
                .Replace(MissingJwks, Unreachable, StringComparison.Ordinal);
            var loaded = PolicyLoader.LoadYaml(yaml, Str(group, "id") + ".yaml");
            Assert.True(loaded.Ok, string.Join('\n', loaded.Errors));
            var rules = loaded.RequestAuthentications!.RulesFor("ns1", WorkloadB);
            var authenticator = new RequestAuthenticator(
                new JwksSources(new HttpClient(), JwksFetchPolicy.Default, TimeProvider.System, NullLoggerFactory.Instance), JwtOptions.Default, TimeProvider.System);

            foreach (var c in ((YamlSequenceNode)group.Children[new YamlScalarNode("cases")]).Cast<YamlMappingNode>())
            {
                run++;
                var name = $"{Str(group, "id")} / {Str(c, "name")}";
                var (status, request) = await RunAsync(c, tokens, rules, authenticator, loaded.Policies!);
                var expected = Str(c, "http_status") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : (Str(c, "expect") == "ALLOW" ? 200 : 403);
                if (status != expected)
                {
                    mismatches.Add($"{name}: expected {expected}, got {status}");
                    continue;
                }

                if (c.Children.TryGetValue(new YamlScalarNode("upstream_headers"), out var headers))
                {
                    headersChecked++;
                    if (CheckHeaders((YamlMappingNode)headers, request, tokens) is { } problem)
                    {
                        mismatches.Add($"{name}: {problem}");
                    }
                }
            }
        }

        output.WriteLine($"{id}: ran {run} cases ({headersChecked} with upstream headers checked), mismatched {mismatches.Count}, skipped 0");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        return (run, headersChecked);
    }

    private static async Task<(int Status, HttpRequest Request)> RunAsync(
        YamlMappingNode c, IReadOnlyDictionary<string, string> tokens, IReadOnlyList<JwtRule> rules, RequestAuthenticator authenticator, PolicySet policies)
    {
        var r = (YamlMappingNode)c.Children[new YamlScalarNode("request")];
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = Str(r, "request.method") ?? "GET";
        var path = Fill(Str(r, "request.path") ?? "/", tokens);
        var query = path.IndexOf('?', StringComparison.Ordinal);
        request.Path = query < 0 ? path : path[..query];
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
        request.Host = new HostString("b.ns1.svc.cluster.local");
        if (r.Children.TryGetValue(new YamlScalarNode("request.headers"), out var headers))
        {
            foreach (var (key, value) in ((YamlMappingNode)headers).Children)
            {
                request.Headers[((YamlScalarNode)key).Value!] = Fill(((YamlScalarNode)value).Value ?? "", tokens);
            }
        }

        if (Str(r, "request.jwt") is { Length: > 0 } jwt && jwt != "null")
        {
            request.Headers.Authorization = "Bearer " + tokens[jwt];
        }

        var authn = await authenticator.AuthenticateAsync(request, rules, CancellationToken.None);
        if (authn is AuthnResult.Rejected rejected)
        {
            return (rejected.Failure.Status, request);
        }

        var ok = authn as AuthnResult.Authenticated;
        var decision = policies.Evaluate(new AuthzRequest
        {
            SourcePrincipal = Str(r, "source.principal"),
            SourceIp = Str(r, "source.ip") is { } ip ? IPAddress.Parse(ip) : null,
            DestinationNamespace = "ns1",
            DestinationLabels = WorkloadB,
            DestinationIp = IPAddress.Parse("10.0.1.20"),
            DestinationPort = Str(r, "destination.port") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : 18080,
            Protocol = AuthzProtocol.Http,
            Method = request.Method,
            Path = path,
            Host = request.Host.Value,
            RequestPrincipal = ok?.Principal,
            Audiences = ok?.Audiences,
            Presenter = ok?.Presenter,
            Claims = ok?.Claims,
        });
        JwtOutputHeaders.Apply(request, rules, authn);
        return (decision.Allowed ? 200 : 403, request);
    }

    /// <summary>The data describes some values in words ("&lt;base64url payload segment of X&gt;", "(removed: ...)").</summary>
    private static string? CheckHeaders(YamlMappingNode expected, HttpRequest request, IReadOnlyDictionary<string, string> tokens)
    {
        foreach (var (key, value) in expected.Children)
        {
            var header = ((YamlScalarNode)key).Value!;
            var want = ((YamlScalarNode)value).Value!;
            var actual = request.Headers[header].ToString();
            var ok = want switch
            {
                _ when want.StartsWith("(removed", StringComparison.Ordinal) => actual.Length == 0,
                _ when want.StartsWith("<base64url payload segment of ", StringComparison.Ordinal) =>
                    actual == tokens[want["<base64url payload segment of ".Length..^1]].Split('.')[1],
                _ => actual == Fill(want, tokens),
            };
            if (!ok)
            {
                return $"upstream header {header}: expected {want}, got '{actual}'";
            }
        }

        return null;
    }

    private static string Fill(string text, IReadOnlyDictionary<string, string> tokens)
    {
        foreach (var (name, jwt) in tokens)
        {
            text = text.Replace($"<{name}>", jwt, StringComparison.Ordinal);
        }

        return text;
    }

    private static YamlMappingNode LoadSuites()
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(SharedTestData.Require("authz", "istio", "istio_authz_suites.yaml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Token name -> the token; TokenInvalid (no jwt in the data) is "not a JWT", as its note says.</summary>
    private static Dictionary<string, string> LoadTokens()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SharedTestData.Require("authz", "istio", "jwt_fixtures", "tokens.json")));
        return document.RootElement.GetProperty("tokens").EnumerateObject()
            .OrderByDescending(t => t.Name.Length)
            .ToDictionary(t => t.Name, t => t.Value.TryGetProperty("jwt", out var jwt) ? jwt.GetString()! : "invalidToken", StringComparer.Ordinal);
    }

    private static string? Str(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;

    private static string Yaml(YamlNode policy)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(policy)).Save(writer, assignAnchors: false);
        return writer.ToString().Replace("...\n", "", StringComparison.Ordinal);
    }
}
