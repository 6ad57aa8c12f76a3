using Mesh.Cli.Tests.Support;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh policy explain` and `mesh policy test`, run as real processes on the demo policies and on broken copies.</summary>
public sealed class PolicyToolCommandsTests
{
    private const string PostItems = """
        {"source.principal":"cluster.local/ns/demo/sa/frontend","namespace":"demo","labels":{"app":"backend"},
         "destination.port":8080,"protocol":"http","request.method":"POST","request.path":"/api/items"}
        """;

    [Fact]
    public async Task Explain_names_every_policy_and_the_field_that_failed()
    {
        using var dir = new TempDir();
        var request = dir.Write("request.json", PostItems);

        var result = await MeshProcess.RunAsync("policy", "explain", "--policies", RepoPaths.DemoPolicies, "--request", request);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("DENY: no ALLOW policy matched", result.StdOutLines[0]);
        Assert.Contains("DENY demo/deny-admin-api", result.StdOutLines);
        Assert.Contains("ALLOW demo/frontend-reads-api", result.StdOutLines);
        Assert.Contains(result.StdOutLines, l => l.Contains("- to[0].operation methods: 'POST' does not match any of ['GET']", StringComparison.Ordinal));
        Assert.Contains(result.StdOutLines, l => l.Contains("+ to[0].operation paths: '/api/items' matches one of ['/api/*']", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_runs_the_demo_tests_and_every_rule_is_exercised()
    {
        var result = await MeshProcess.RunAsync("policy", "test", RepoPaths.DemoPolicies);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(5, result.StdOutLines.Count(l => l.StartsWith("PASS ", StringComparison.Ordinal)));
        Assert.Contains("5 passed, 0 failed", result.StdOutLines);
        Assert.Contains("every rule is exercised by at least one test", result.StdOutLines);
    }

    [Fact]
    public async Task Test_reports_failures_with_location_and_the_rules_no_test_reaches()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(RepoPaths.DemoPolicies, "backend-authz.yaml"), dir.File("backend-authz.yaml"));
        Directory.CreateDirectory(dir.File("tests"));
        var tests = dir.Write("tests/t.yaml", """
            tests:
              - name: reads are allowed
                request: {source.principal: cluster.local/ns/demo/sa/frontend, namespace: demo, labels: {app: backend}, destination.port: 8080, protocol: http, request.method: GET, request.path: /api/items}
                expect: ALLOW
              - name: wrongly expects the admin API to be open
                request: {source.principal: cluster.local/ns/demo/sa/frontend, namespace: demo, labels: {app: backend}, destination.port: 8080, protocol: http, request.method: GET, request.path: /api/admin}
                expect: ALLOW
              - name: pins the wrong policy
                request: {source.principal: cluster.local/ns/demo/sa/frontend, namespace: demo, labels: {app: backend}, destination.port: 8080, protocol: http, request.method: GET, request.path: /api/x}
                expect: ALLOW
                policy: demo/other
            """);

        var result = await MeshProcess.RunAsync("policy", "test", dir.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("PASS reads are allowed", result.StdOutLines);
        Assert.Contains(result.StdOutLines, l => l.StartsWith($"FAIL wrongly expects the admin API to be open ({tests}:5): expected ALLOW, got DENY", StringComparison.Ordinal));
        Assert.Contains(result.StdOutLines, l => l.StartsWith($"FAIL pins the wrong policy ({tests}:8): expected policy demo/other, decided by demo/frontend-reads-api", StringComparison.Ordinal));
        Assert.Contains("1 passed, 2 failed", result.StdOutLines);
        // The DENY rule is reached by the admin request; the ALLOW rule by the reads: all exercised here.
        Assert.Contains("every rule is exercised by at least one test", result.StdOutLines);

        File.WriteAllText(tests, """
            tests:
              - name: reads are allowed
                request: {source.principal: cluster.local/ns/demo/sa/frontend, namespace: demo, labels: {app: backend}, destination.port: 8080, protocol: http, request.method: GET, request.path: /api/items}
                expect: ALLOW
            """);
        var partial = await MeshProcess.RunAsync("policy", "test", dir.Path);

        Assert.True(partial.ExitCode == 0, partial.ToString());
        Assert.Contains("rules no test exercises (1):", partial.StdOutLines);
        Assert.Contains("  demo/deny-admin-api rule 0", partial.StdOutLines);
    }

    [Fact]
    public async Task Test_files_with_errors_are_reported_with_positions()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(RepoPaths.DemoPolicies, "backend-authz.yaml"), dir.File("backend-authz.yaml"));
        Directory.CreateDirectory(dir.File("tests"));
        var tests = dir.Write("tests/t.yaml", """
            tests:
              - name: bad expect
                request: {namespace: demo, destination.port: 80}
                expect: MAYBE
              - name: unknown attribute
                request: {namespace: demo, destination.port: 80, source.colour: blue}
                expect: DENY
                colour: red
            """);

        var result = await MeshProcess.RunAsync("policy", "test", dir.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{tests}:2:5: test 'bad expect': expect must be ALLOW or DENY, not 'MAYBE'", result.StdOutLines);
        Assert.Contains(result.StdOutLines, l => l.StartsWith($"{tests}:6:14: test 'unknown attribute': attribute 'source.colour'", StringComparison.Ordinal));
        Assert.Contains(result.StdOutLines, l => l.StartsWith($"{tests}:8:5: unknown key 'colour' in a test", StringComparison.Ordinal));
    }
}
