using System.Net;
using System.Text.Json;

namespace Mesh.Policy.Tests.Evaluation;

/// <summary>
/// The fields and conditions beyond principals/methods/paths/ports, one named case per semantic rule;
/// these run without ../shared/testdata.
/// </summary>
public sealed class LanguageSemanticsTests
{
    private const string Frontend = "cluster.local/ns/demo/sa/frontend";

    public sealed record Case(string Name, string Spec, AuthzRequest Request, DecisionKind Expected)
    {
        public override string ToString() => Name;
    }

    private static AuthzRequest Http(string? principal = Frontend) => new()
    {
        SourcePrincipal = principal,
        SourceIp = IPAddress.Parse("10.0.1.10"),
        DestinationIp = IPAddress.Parse("10.0.1.20"),
        DestinationNamespace = "demo",
        DestinationPort = 8080,
        Protocol = AuthzProtocol.Http,
        Method = "GET",
        Path = "/",
        Host = "api.example.com",
        Sni = "outbound_.8080_._.api.demo.svc.cluster.local",
    };

    private static AuthzRequest Tcp(string? principal = Frontend) => Http(principal) with { Protocol = AuthzProtocol.Tcp, Method = null, Path = null, Host = null };

    private static AuthzRequest Jwt(string claimsJson, string principal = "issuer.example.com/alice") => Http() with
    {
        RequestPrincipal = principal,
        Audiences = ["api"],
        Presenter = "web-app",
        Claims = JsonDocument.Parse(claimsJson).RootElement.Clone(),
    };

    private static string Allow(string rule) => $"rules:\n- {rule}";

    public static TheoryData<Case> Cases => new()
    {
        new("namespaces from the principal", Allow("from: [{source: {namespaces: [demo]}}]"), Http(), DecisionKind.Allow),
        new("namespaces prefix", Allow("from: [{source: {namespaces: [\"de*\"]}}]"), Http(), DecisionKind.Allow),
        new("namespaces need mTLS", Allow("from: [{source: {namespaces: [demo]}}]"), Http(principal: null), DecisionKind.Deny),
        new("notNamespaces match a plaintext peer", Allow("from: [{source: {notNamespaces: [demo]}}]"), Http(principal: null), DecisionKind.Allow),
        new("serviceAccounts ns/name", Allow("from: [{source: {serviceAccounts: [demo/frontend]}}]"), Http(), DecisionKind.Allow),
        new("serviceAccounts name means the policy's namespace", Allow("from: [{source: {serviceAccounts: [frontend]}}]"), Http(), DecisionKind.Allow),
        new("serviceAccounts other namespace", Allow("from: [{source: {serviceAccounts: [other/frontend]}}]"), Http(), DecisionKind.Deny),
        new("trustDomains", Allow("from: [{source: {trustDomains: [cluster.local]}}]"), Http(), DecisionKind.Allow),
        new("ipBlocks CIDR", Allow("from: [{source: {ipBlocks: [10.0.0.0/16]}}]"), Http(), DecisionKind.Allow),
        new("ipBlocks host bits ignored", Allow("from: [{source: {ipBlocks: [10.0.1.99/24]}}]"), Http(), DecisionKind.Allow),
        new("notIpBlocks single IP", Allow("from: [{source: {notIpBlocks: [10.0.1.10]}}]"), Http(), DecisionKind.Deny),
        new("ipBlocks IPv6", Allow("from: [{source: {ipBlocks: [\"2001:db8::/32\"]}}]"), Http() with { SourceIp = IPAddress.Parse("2001:db8::7") }, DecisionKind.Allow),
        new("ipBlocks IPv4 block vs IPv6 address", Allow("from: [{source: {ipBlocks: [0.0.0.0/0]}}]"), Http() with { SourceIp = IPAddress.Parse("2001:db8::7") }, DecisionKind.Deny),
        new("ipBlocks IPv4-mapped address", Allow("from: [{source: {ipBlocks: [10.0.1.10]}}]"), Http() with { SourceIp = IPAddress.Parse("::ffff:10.0.1.10") }, DecisionKind.Allow),
        new("remoteIpBlocks fall back to the source address", Allow("from: [{source: {remoteIpBlocks: [10.0.1.10]}}]"), Http(), DecisionKind.Allow),
        new("remoteIpBlocks use the forwarded address", Allow("from: [{source: {remoteIpBlocks: [10.0.1.10]}}]"), Http() with { RemoteIp = IPAddress.Parse("192.0.2.1") }, DecisionKind.Deny),
        new("hosts are case-insensitive", Allow("to: [{operation: {hosts: [API.Example.COM]}}]"), Http(), DecisionKind.Allow),
        new("hosts suffix", Allow("to: [{operation: {hosts: [\"*.example.com\"]}}]"), Http(), DecisionKind.Allow),
        new("hosts do not strip the port", Allow("to: [{operation: {hosts: [api.example.com]}}]"), Http() with { Host = "api.example.com:8080" }, DecisionKind.Deny),
        new("methods prefix", Allow("to: [{operation: {methods: [\"G*\"]}}]"), Http(), DecisionKind.Allow),
        new("path template one segment", Allow("to: [{operation: {paths: [\"/users/{*}/profile\"]}}]"), Http() with { Path = "/users/42/profile" }, DecisionKind.Allow),
        new("path template one segment is not two", Allow("to: [{operation: {paths: [\"/users/{*}/profile\"]}}]"), Http() with { Path = "/users/4/2/profile" }, DecisionKind.Deny),
        new("path template any segments", Allow("to: [{operation: {paths: [\"/files/{**}\"]}}]"), Http() with { Path = "/files/a/b.txt" }, DecisionKind.Allow),
        new("path template after normalization", Allow("to: [{operation: {paths: [\"/files/{**}\"]}}]"), Http() with { Path = "/files/../admin" }, DecisionKind.Deny),
        new("header value", Allow("when: [{key: \"request.headers[X-User]\", values: [alice]}]"), Http() with { Headers = new Dictionary<string, string> { ["x-user"] = "alice" } }, DecisionKind.Allow),
        new("header presence matches an empty header", Allow("when: [{key: \"request.headers[x-empty]\", values: [\"*\"]}]"), Http() with { Headers = new Dictionary<string, string> { ["x-empty"] = "" } }, DecisionKind.Allow),
        new("header notValues match a missing header", Allow("when: [{key: \"request.headers[x-user]\", notValues: [mallory]}]"), Http(), DecisionKind.Allow),
        new("values and notValues both apply", Allow("when: [{key: \"request.headers[x-user]\", values: [\"a*\"], notValues: [admin]}]"), Http() with { Headers = new Dictionary<string, string> { ["x-user"] = "admin" } }, DecisionKind.Deny),
        new("source.ip CIDR", Allow("when: [{key: source.ip, values: [10.0.0.0/8]}]"), Http(), DecisionKind.Allow),
        new("destination.ip", Allow("when: [{key: destination.ip, notValues: [10.0.1.20]}]"), Http(), DecisionKind.Deny),
        new("destination.port", Allow("when: [{key: destination.port, values: [\"8080\"]}]"), Http(), DecisionKind.Allow),
        new("connection.sni suffix", Allow("when: [{key: connection.sni, values: [\"*.demo.svc.cluster.local\"]}]"), Http(), DecisionKind.Allow),
        new("source.serviceAccount", Allow("when: [{key: source.serviceAccount, values: [demo/frontend]}]"), Http(), DecisionKind.Allow),
        new("requestPrincipals", Allow("from: [{source: {requestPrincipals: [\"issuer.example.com/*\"]}}]"), Jwt("{}"), DecisionKind.Allow),
        new("requestPrincipals need a JWT", Allow("from: [{source: {requestPrincipals: [\"*\"]}}]"), Http(), DecisionKind.Deny),
        new("audiences", Allow("when: [{key: request.auth.audiences, values: [api]}]"), Jwt("{}"), DecisionKind.Allow),
        new("presenter", Allow("when: [{key: request.auth.presenter, values: [web-app]}]"), Jwt("{}"), DecisionKind.Allow),
        new("claim string", Allow("when: [{key: \"request.auth.claims[iss]\", values: [issuer.example.com]}]"), Jwt("{\"iss\":\"issuer.example.com\"}"), DecisionKind.Allow),
        new("claim list: any element", Allow("when: [{key: \"request.auth.claims[groups]\", values: [admins]}]"), Jwt("{\"groups\":[\"dev\",\"admins\"]}"), DecisionKind.Allow),
        new("nested claim", Allow("when: [{key: \"request.auth.claims[realm][roles]\", values: [ops]}]"), Jwt("{\"realm\":{\"roles\":[\"ops\"]}}"), DecisionKind.Allow),
        new("nested claim missing", Allow("when: [{key: \"request.auth.claims[realm][none]\", values: [ops]}]"), Jwt("{\"realm\":{\"roles\":[\"ops\"]}}"), DecisionKind.Deny),
        new("number claim never matches", Allow("when: [{key: \"request.auth.claims[level]\", values: [\"3\"]}]"), Jwt("{\"level\":3}"), DecisionKind.Deny),
        new("TCP: ALLOW rule with a header condition is dropped", Allow("when: [{key: \"request.headers[x]\", notValues: [y]}]"), Tcp(), DecisionKind.Deny),
        new("TCP: ALLOW rule with hosts is dropped", Allow("to: [{operation: {hosts: [\"*\"]}}]"), Tcp(), DecisionKind.Deny),
        new("TCP: ALLOW rule with requestPrincipals is dropped", Allow("from: [{source: {requestPrincipals: [\"*\"]}}]"), Tcp(), DecisionKind.Deny),
        new("TCP: ALLOW with L4 conditions applies", Allow("when: [{key: source.ip, values: [10.0.1.10]}]"), Tcp(), DecisionKind.Allow),
        new("TCP: DENY source of only requestPrincipals matches any source",
            "action: DENY\nrules:\n- from: [{source: {requestPrincipals: [\"*\"]}}]\n  to: [{operation: {ports: [\"8080\"]}}]", Tcp(), DecisionKind.Deny),
        new("TCP: DENY keeps its L4 condition",
            "action: DENY\nrules:\n- when: [{key: \"request.auth.claims[x]\", values: [y]}, {key: destination.port, values: [\"9090\"]}]", Tcp(), DecisionKind.Allow),
        new("AUDIT never decides", "action: AUDIT\nrules:\n- {}", Http(), DecisionKind.Allow),
        new("AUDIT does not count as an ALLOW policy", "action: AUDIT\nrules:\n- from: [{source: {principals: [nobody]}}]", Http(), DecisionKind.Allow),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates(Case c)
    {
        var loaded = PolicyLoader.LoadYaml(Policy("p", c.Spec), c.Name);
        Assert.True(loaded.Ok, string.Join('\n', loaded.Errors));

        Assert.Equal(c.Expected, loaded.Policies!.Evaluate(c.Request).Decision);
        Assert.Equal(c.Expected, loaded.Policies.Explain(c.Request).Decision.Decision);
    }

    [Fact]
    public void Dry_run_policies_are_reported_and_never_enforced()
    {
        var yaml = Policy("observe-deny", "action: DENY\nrules:\n- {}", dryRun: true) + Policy("observe-allow", "rules:\n- from: [{source: {principals: [nobody]}}]", dryRun: true);

        var decision = PolicyLoader.LoadYaml(yaml, "x").Policies!.Evaluate(Http());

        Assert.True(decision.Allowed);
        Assert.Equal("no ALLOW policies apply to this workload", decision.Reason);
        Assert.Equal([new PolicyMatch("demo/observe-deny", 0, PolicyAction.Deny)], decision.DryRunMatches);
        Assert.Empty(decision.AuditMatches);
    }

    [Fact]
    public void Audit_matches_are_reported_beside_the_decision()
    {
        var yaml = Policy("audit-admin", "action: AUDIT\nrules:\n- to: [{operation: {paths: [/other]}}]\n- to: [{operation: {paths: [\"/admin*\"]}}]")
            + Policy("deny-admin", "action: DENY\nrules:\n- to: [{operation: {paths: [\"/admin*\"]}}]");

        var decision = PolicyLoader.LoadYaml(yaml, "x").Policies!.Evaluate(Http() with { Path = "/admin/x" });

        Assert.False(decision.Allowed);
        Assert.Equal("demo/deny-admin", decision.Policy);
        Assert.Equal([new PolicyMatch("demo/audit-admin", 1, PolicyAction.Audit)], decision.AuditMatches);
    }

    [Fact]
    public void Evaluate_allocates_nothing_on_the_common_path()
    {
        var yaml = Policy("deny", "action: DENY\nrules:\n- from: [{source: {notNamespaces: [demo]}}]\n  when: [{key: \"request.headers[x-debug]\", values: [\"*\"]}]")
            + Policy("allow", "rules:\n- from: [{source: {namespaces: [\"de*\"], ipBlocks: [10.0.0.0/8]}}]\n  to: [{operation: {hosts: [\"*.example.com\"], paths: [\"/users/{*}\"]}}]\n  when: [{key: connection.sni, values: [\"*.cluster.local\"]}]");
        var set = PolicyLoader.LoadYaml(yaml, "x").Policies!;
        var request = Http() with { Path = "/users/42", Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-other"] = "1" } };
        Assert.True(set.Evaluate(request).Allowed);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            set.Evaluate(request);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Explain_says_which_field_failed_and_why()
    {
        var yaml = Policy("api", "selector:\n  matchLabels: {app: api}\nrules:\n- to: [{operation: {paths: [\"/api/*\"], methods: [GET]}}]")
            + Policy("web-only", "selector:\n  matchLabels: {app: web}\nrules:\n- {}");
        var request = Http() with { Path = "/admin", DestinationLabels = new Dictionary<string, string> { ["app"] = "api" } };

        var explanation = PolicyLoader.LoadYaml(yaml, "x").Policies!.Explain(request);

        Assert.Equal(DecisionKind.Deny, explanation.Decision.Decision);
        var api = Assert.Single(explanation.Policies, p => p.Policy == "demo/api");
        var rule = Assert.Single(api.Rules);
        Assert.False(rule.Matched);
        Assert.Contains(rule.Fields, f => f is { Where: "to[0].operation", Field: "paths", Matched: false, Detail: "paths: '/admin' does not match any of ['/api/*']" });
        Assert.Contains(rule.Fields, f => f is { Field: "methods", Matched: true, Detail: "methods: 'GET' matches one of ['GET']" });
        var web = Assert.Single(explanation.Policies, p => p.Policy == "demo/web-only");
        Assert.False(web.Selected);
        Assert.Contains("selector app=web does not select this workload", web.Note, StringComparison.Ordinal);
        Assert.Contains("- to[0].operation paths: '/admin' does not match any of ['/api/*']", explanation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_names_the_tcp_projection()
    {
        var yaml = Policy("http-only", "rules:\n- to: [{operation: {methods: [GET], ports: [\"8080\"]}}]");

        var explanation = PolicyLoader.LoadYaml(yaml, "x").Policies!.Explain(Tcp());

        var rule = Assert.Single(Assert.Single(explanation.Policies).Rules);
        Assert.False(rule.Matched);
        Assert.Equal("on TCP this ALLOW rule is dropped: it uses HTTP-only fields (methods)", rule.Note);
    }

    private static string Policy(string name, string spec, bool dryRun = false) =>
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: " + name + "\n  namespace: demo\n"
        + (dryRun ? "  annotations:\n    istio.io/dry-run: \"true\"\n" : "")
        + "spec:\n" + string.Join('\n', spec.Split('\n').Select(l => "  " + l)) + "\n---\n";
}
