using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh policy lint` and `mesh policy eval` against the repository's demo policies and broken copies of them.</summary>
public sealed class PolicyCommandsTests
{
    private const int DenyExitCode = 3;

    private static string DemoPolicy => File.ReadAllText(Path.Combine(RepoPaths.DemoPolicies, "backend-authz.yaml"));

    private static int LineOf(string text, string fragment)
    {
        var at = text.IndexOf(fragment, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{fragment}' is not in the demo policy");
        return text[..at].Count(c => c == '\n') + 1;
    }

    [Fact]
    public async Task Lint_of_the_demo_policies_exits_zero()
    {
        var result = await MeshProcess.RunAsync("policy", "lint", RepoPaths.DemoPolicies);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok: 2 policies", Assert.Single(result.StdOutLines));
    }

    [Fact]
    public async Task Lint_of_a_broken_policy_prints_file_line_col_and_exits_one()
    {
        using var dir = new TempDir();
        var broken = DemoPolicy.Replace("action: DENY", "action: DENNY", StringComparison.Ordinal);
        var file = dir.Write("backend-authz.yaml", broken);
        var line = LineOf(broken, "action: DENNY");

        var result = await MeshProcess.RunAsync("policy", "lint", dir.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        var error = Assert.Single(result.StdOutLines);
        Assert.Matches($"^{Regex.Escape(file)}:{line}:11: .*DENNY", error);
        Assert.Equal("mesh: 1 error(s) in policies", Assert.Single(result.StdErrLines));
    }

    [Fact]
    public async Task Lint_reports_every_error_in_every_file()
    {
        using var dir = new TempDir();
        var first = dir.Write("a.yaml", DemoPolicy.Replace("action: DENY", "action: DENNY", StringComparison.Ordinal));
        var second = dir.Write("b.yaml", DemoPolicy.Replace("methods: [\"GET\"]", "method: [\"GET\"]", StringComparison.Ordinal)
            .Replace("name: frontend-reads-api", "name: other-reads-api", StringComparison.Ordinal)
            .Replace("name: deny-admin-api", "name: other-deny-admin", StringComparison.Ordinal));

        var result = await MeshProcess.RunAsync("policy", "lint", dir.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.StdOutLines, l => Regex.IsMatch(l, $"^{Regex.Escape(first)}:\\d+:\\d+: "));
        Assert.Contains(result.StdOutLines, l => Regex.IsMatch(l, $"^{Regex.Escape(second)}:\\d+:\\d+: .*method"));
    }

    private const string StrictPeer = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: default
          namespace: demo
        spec:
          mtls:
            mode: STRICT

        """;

    [Fact]
    public async Task Lint_counts_peer_and_request_authentications()
    {
        using var dir = new TempDir();
        dir.Write("backend-authz.yaml", DemoPolicy);
        dir.Write("peer.yaml", StrictPeer);

        var result = await MeshProcess.RunAsync("policy", "lint", dir.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok: 2 policies, 1 PeerAuthentications, 0 RequestAuthentications", Assert.Single(result.StdOutLines));
    }

    [Fact]
    public async Task Lint_reports_peer_and_request_authentication_errors_at_file_line_col()
    {
        using var dir = new TempDir();
        var peer = dir.Write("peer.yaml", StrictPeer.Replace("mode: STRICT", "mode: strict", StringComparison.Ordinal));
        var request = dir.Write("request.yaml", "apiVersion: security.istio.io/v1beta1\nkind: RequestAuthentication\nmetadata:\n  name: jwt\n  namespace: demo\nspec:\n  jwtRules:\n  - audiences: [api]\n");

        var result = await MeshProcess.RunAsync("policy", "lint", dir.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(
            [$"{peer}:8:11: unknown mTLS mode 'strict'; did you mean 'STRICT'? (modes are case-sensitive)",
             $"{request}:8:5: missing 'issuer' in a jwtRules entry; set it to the token's 'iss' claim (e.g. issuer: https://accounts.example.com)"],
            result.StdOutLines);
        Assert.Equal("mesh: 2 error(s) in policies", Assert.Single(result.StdErrLines));
    }

    private static string Request(string principal, string method, string path) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["source.principal"] = principal,
        ["destination.port"] = 8080,
        ["protocol"] = "http",
        ["request.method"] = method,
        ["request.path"] = path,
        ["namespace"] = "demo",
        ["labels"] = new Dictionary<string, string> { ["app"] = "backend" },
    });

    public static TheoryData<string, string, string, string, int, string, string?> EvalCases => new()
    {
        // scenario, principal, method, path, exit code, decision, deciding policy
        { "frontend reads the API", "cluster.local/ns/demo/sa/frontend", "GET", "/api/items", 0, "ALLOW", "demo/frontend-reads-api" },
        { "frontend reads the admin API", "cluster.local/ns/demo/sa/frontend", "GET", "/api/admin/keys", DenyExitCode, "DENY", "demo/deny-admin-api" },
        { "frontend writes the API", "cluster.local/ns/demo/sa/frontend", "POST", "/api/items", DenyExitCode, "DENY", null },
        { "another workload reads the API", "cluster.local/ns/demo/sa/intruder", "GET", "/api/items", DenyExitCode, "DENY", null },
        { "dot segments do not get around the admin DENY", "cluster.local/ns/demo/sa/frontend", "GET", "/api/items/../admin/keys", DenyExitCode, "DENY", "demo/deny-admin-api" },
    };

    [Theory]
    [MemberData(nameof(EvalCases))]
    public async Task Eval_of_a_request_from_stdin_prints_the_decision_and_exits_by_it(
        string scenario, string principal, string method, string path, int exitCode, string decision, string? policy)
    {
        var result = await MeshProcess.RunAsync(["policy", "eval", "--policies", RepoPaths.DemoPolicies, "--request", "-"], stdin: Request(principal, method, path));

        Assert.True(result.ExitCode == exitCode, $"{scenario}: {result}");
        using var output = JsonDocument.Parse(Assert.Single(result.StdOutLines));
        Assert.Equal(decision, output.RootElement.GetProperty("decision").GetString());
        if (policy is not null)
        {
            Assert.Equal(policy, output.RootElement.GetProperty("policy").GetString());
        }
        Assert.False(string.IsNullOrWhiteSpace(output.RootElement.GetProperty("reason").GetString()), "the decision says why");
    }

    [Fact]
    public async Task Eval_reads_the_request_from_a_file()
    {
        using var dir = new TempDir();
        var request = dir.Write("request.json", Request("cluster.local/ns/demo/sa/frontend", "GET", "/api/items"));

        var result = await MeshProcess.RunAsync("policy", "eval", "--policies", RepoPaths.DemoPolicies, "--request", request);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var output = JsonDocument.Parse(result.StdOut);
        Assert.Equal("ALLOW", output.RootElement.GetProperty("decision").GetString());
        Assert.Equal(0, output.RootElement.GetProperty("rule").GetInt32());
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        // scenario, request JSON
        { "not JSON", "GET /api/items" },
        { "unknown attribute", """{"destination.port": 8080, "namespace": "demo", "source.port": "1234"}""" },
        { "bad IP address", """{"destination.port": 8080, "namespace": "demo", "source.ip": "10.0.0.300"}""" },
        { "no namespace", """{"destination.port": 8080}""" },
        { "unknown protocol", """{"destination.port": 8080, "namespace": "demo", "protocol": "udp"}""" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Eval_of_a_bad_request_fails_with_one_reason_and_no_decision(string scenario, string json)
    {
        var result = await MeshProcess.RunAsync(["policy", "eval", "--policies", RepoPaths.DemoPolicies, "--request", "-"], stdin: json);

        Assert.True(result.ExitCode == 1, $"{scenario}: {result}");
        Assert.Empty(result.StdOut);
        Assert.StartsWith("mesh: cannot read request -: ", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_against_broken_policies_refuses_to_decide()
    {
        using var dir = new TempDir();
        dir.Write("backend-authz.yaml", DemoPolicy.Replace("action: DENY", "action: DENNY", StringComparison.Ordinal));

        var result = await MeshProcess.RunAsync(["policy", "eval", "--policies", dir.Path, "--request", "-"],
            stdin: Request("cluster.local/ns/demo/sa/frontend", "GET", "/api/admin/keys"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Empty(result.StdOut);
        Assert.StartsWith("mesh: policies are invalid", Assert.Single(result.StdErrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_uses_istio_attributes_and_reports_dry_run_matches()
    {
        using var dir = new TempDir();
        dir.Write("p.yaml", """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: office-only, namespace: demo}
            spec:
              rules:
              - from: [{source: {ipBlocks: [10.1.0.0/16]}}]
                when: [{key: "request.headers[x-team]", values: [ops]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: observe
              namespace: demo
              annotations: {istio.io/dry-run: "true"}
            spec:
              action: DENY
              rules:
              - to: [{operation: {paths: ["/admin*"]}}]
            """);
        const string Json = """{"namespace": "demo", "destination.port": 8080, "source.ip": "10.1.2.3", "request.method": "GET", "request.path": "/admin", "request.headers": {"X-Team": "ops"}}""";

        var result = await MeshProcess.RunAsync(["policy", "eval", "--policies", dir.Path, "--request", "-"], stdin: Json);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var output = JsonDocument.Parse(result.StdOut);
        Assert.Equal("demo/office-only", output.RootElement.GetProperty("policy").GetString());
        var dryRun = Assert.Single(output.RootElement.GetProperty("dry_run").EnumerateArray());
        Assert.Equal("demo/observe", dryRun.GetProperty("policy").GetString());
        Assert.Equal("DENY", dryRun.GetProperty("action").GetString());
    }
}
