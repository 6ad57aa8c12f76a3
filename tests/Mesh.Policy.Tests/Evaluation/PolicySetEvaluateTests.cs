namespace Mesh.Policy.Tests.Evaluation;

/// <summary>Evaluator semantics, one named case per rule of Istio's model.</summary>
public sealed class PolicySetEvaluateTests
{
    private const string Frontend = "cluster.local/ns/demo/sa/frontend";

    public sealed record Case(
        string Name,
        string Policies,
        AuthzRequest Request,
        DecisionKind Expected,
        string? Policy = null,
        int? Rule = null)
    {
        public override string ToString() => Name;
    }

    private static AuthzRequest Http(string? principal = Frontend, string method = "GET", string path = "/", int port = 8080, string ns = "demo", string app = "api") => new()
    {
        SourcePrincipal = principal,
        DestinationNamespace = ns,
        DestinationLabels = new Dictionary<string, string> { ["app"] = app },
        DestinationPort = port,
        Protocol = AuthzProtocol.Http,
        Method = method,
        Path = path,
    };

    private static AuthzRequest Tcp(string? principal = Frontend, int port = 8080, string ns = "demo", string app = "api") =>
        Http(principal, port: port, ns: ns, app: app) with { Protocol = AuthzProtocol.Tcp, Method = null, Path = null };

    private static string Policy(string name, string spec, string ns = "demo") => $"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {Indent(spec)}
        ---

        """;

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(l => "  " + l));

    private const string AllowFrontendGet = """
        rules:
        - from:
          - source:
              principals: ["cluster.local/ns/demo/sa/frontend"]
          to:
          - operation:
              methods: ["GET"]
        """;

    public static TheoryData<Case> Cases => new()
    {
        new("no policies: allow", "", Http(), DecisionKind.Allow),
        new("DENY wins over a matching ALLOW",
            Policy("allow-all", "rules:\n- {}") + Policy("deny-all", "action: DENY\nrules:\n- {}"),
            Http(), DecisionKind.Deny, "demo/deny-all", 0),
        new("only a non-matching DENY: no ALLOW policies => allow",
            Policy("deny-admin", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/admin*\"]"),
            Http(path: "/home"), DecisionKind.Allow),
        new("spec {} is allow-nothing", Policy("allow-nothing", "{}"), Http(), DecisionKind.Deny),
        new("ALLOW with no rules matches nothing", Policy("allow-nothing", "action: ALLOW"), Http(), DecisionKind.Deny),
        new("DENY with no rules matches nothing", Policy("deny-nothing", "action: DENY"), Http(), DecisionKind.Allow),
        new("empty rule matches everything", Policy("allow-all", "rules:\n- {}"), Tcp(principal: null), DecisionKind.Allow, "demo/allow-all", 0),
        new("ALLOW matches principal and method", Policy("fe", AllowFrontendGet), Http(), DecisionKind.Allow, "demo/fe", 0),
        new("ALLOW exists but method differs", Policy("fe", AllowFrontendGet), Http(method: "POST"), DecisionKind.Deny),
        new("rule index reported", Policy("two", "rules:\n- to:\n  - operation:\n      ports: [\"1\"]\n- to:\n  - operation:\n      ports: [\"8080\"]"),
            Http(), DecisionKind.Allow, "demo/two", 1),
        new("from entries are ORed",
            Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"x\"]\n  - source:\n      principals: [\"cluster.local/ns/demo/sa/frontend\"]"),
            Http(), DecisionKind.Allow),
        new("fields within an operation are ANDed",
            Policy("p", "rules:\n- to:\n  - operation:\n      methods: [\"GET\"]\n      paths: [\"/a\"]"),
            Http(path: "/b"), DecisionKind.Deny),
        new("other namespace's policy does not apply", Policy("allow-nothing", "{}", ns: "other"), Http(), DecisionKind.Allow),
        new("root namespace policy applies everywhere", Policy("deny-all", "action: DENY\nrules:\n- {}", ns: "istio-system"), Http(), DecisionKind.Deny, "istio-system/deny-all", 0),
        new("selector matches workload labels",
            Policy("sel", "selector:\n  matchLabels:\n    app: api\naction: DENY\nrules:\n- {}"), Http(), DecisionKind.Deny),
        new("selector does not match other workload",
            Policy("sel", "selector:\n  matchLabels:\n    app: api\naction: DENY\nrules:\n- {}"), Http(app: "web"), DecisionKind.Allow),
        new("empty matchLabels selects all", Policy("sel", "selector:\n  matchLabels: {}\naction: DENY\nrules:\n- {}"), Http(app: "web"), DecisionKind.Deny),
        new("ALLOW for another workload: no ALLOW applies => allow",
            Policy("sel", "selector:\n  matchLabels:\n    app: web\nrules:\n- from:\n  - source:\n      principals: [\"nobody\"]"), Http(), DecisionKind.Allow),
        new("principal prefix", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"cluster.local/ns/demo/*\"]"), Http(), DecisionKind.Allow),
        new("principal suffix", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"*/sa/frontend\"]"), Http(), DecisionKind.Allow),
        new("principal suffix no match", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"*/sa/backend\"]"), Http(), DecisionKind.Deny),
        new("principal presence with mTLS", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"*\"]"), Http(), DecisionKind.Allow),
        new("principal presence without identity", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"*\"]"), Http(principal: null), DecisionKind.Deny),
        new("spiffe:// in policy is literal and does not match", Policy("p", "rules:\n- from:\n  - source:\n      principals: [\"spiffe://cluster.local/ns/demo/sa/frontend\"]"), Http(), DecisionKind.Deny),
        new("notPrincipals excludes", Policy("p", "rules:\n- from:\n  - source:\n      notPrincipals: [\"*/sa/frontend\"]"), Http(), DecisionKind.Deny),
        new("notPrincipals admits others", Policy("p", "rules:\n- from:\n  - source:\n      notPrincipals: [\"*/sa/backend\"]"), Http(), DecisionKind.Allow),
        new("DENY notPrincipals * rejects plaintext", Policy("p", "action: DENY\nrules:\n- from:\n  - source:\n      notPrincipals: [\"*\"]"), Tcp(principal: null), DecisionKind.Deny, "demo/p", 0),
        new("DENY notPrincipals * lets mTLS through", Policy("p", "action: DENY\nrules:\n- from:\n  - source:\n      notPrincipals: [\"*\"]"), Tcp(), DecisionKind.Allow),
        new("path exact", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"/a\"]"), Http(path: "/a"), DecisionKind.Allow),
        new("path exact is not prefix", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"/a\"]"), Http(path: "/ab"), DecisionKind.Deny),
        new("path prefix", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"/api/*\"]"), Http(path: "/api/v1"), DecisionKind.Allow),
        new("path suffix", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"*.png\"]"), Http(path: "/img/x.png"), DecisionKind.Allow),
        new("path presence", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"*\"]"), Http(path: "/x"), DecisionKind.Allow),
        new("notPaths", Policy("p", "rules:\n- to:\n  - operation:\n      notPaths: [\"/admin*\"]"), Http(path: "/admin/x"), DecisionKind.Deny),
        new("query string ignored for paths", Policy("p", "rules:\n- to:\n  - operation:\n      paths: [\"/a\"]"), Http(path: "/a?x=1"), DecisionKind.Allow),
        new("dot segments cannot bypass a DENY", Policy("p", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/admin*\"]"), Http(path: "/public/../admin"), DecisionKind.Deny),
        new("methods exact", Policy("p", "rules:\n- to:\n  - operation:\n      methods: [\"GET\"]"), Http(method: "get"), DecisionKind.Deny),
        new("notMethods", Policy("p", "rules:\n- to:\n  - operation:\n      notMethods: [\"DELETE\"]"), Http(method: "DELETE"), DecisionKind.Deny),
        new("ports", Policy("p", "rules:\n- to:\n  - operation:\n      ports: [\"8080\"]"), Http(port: 8080), DecisionKind.Allow),
        new("notPorts", Policy("p", "rules:\n- to:\n  - operation:\n      notPorts: [\"8080\"]"), Tcp(port: 8080), DecisionKind.Deny),
        new("TCP: ALLOW rule with methods is dropped", Policy("p", "rules:\n- to:\n  - operation:\n      ports: [\"8080\"]\n      methods: [\"GET\"]"), Tcp(), DecisionKind.Deny),
        new("TCP: other ALLOW rules still apply",
            Policy("p", "rules:\n- to:\n  - operation:\n      methods: [\"GET\"]\n- to:\n  - operation:\n      ports: [\"8080\"]"), Tcp(), DecisionKind.Allow, "demo/p", 1),
        new("TCP: DENY rule loses HTTP fields and matches on the rest",
            Policy("p", "action: DENY\nrules:\n- from:\n  - source:\n      principals: [\"*/sa/frontend\"]\n  to:\n  - operation:\n      paths: [\"/admin\"]"), Tcp(), DecisionKind.Deny, "demo/p", 0),
        new("TCP: DENY rule's remaining fields must still match",
            Policy("p", "action: DENY\nrules:\n- to:\n  - operation:\n      ports: [\"9090\"]\n      methods: [\"GET\"]"), Tcp(), DecisionKind.Allow),
        new("HTTP: same DENY rule needs the path",
            Policy("p", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/admin\"]"), Http(path: "/home"), DecisionKind.Allow),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates(Case c)
    {
        var loaded = PolicyLoader.LoadYaml(c.Policies, c.Name);
        Assert.True(loaded.Ok, string.Join('\n', loaded.Errors));

        var decision = loaded.Policies!.Evaluate(c.Request);

        Assert.Equal(c.Expected, decision.Decision);
        if (c.Policy is not null)
        {
            Assert.Equal(c.Policy, decision.Policy);
            Assert.Equal(c.Rule, decision.Rule);
        }
    }

    [Fact]
    public void Reasons_are_plain_words()
    {
        var set = PolicyLoader.LoadYaml(Policy("deny-admin", "action: DENY\nrules:\n- to:\n  - operation:\n      paths: [\"/admin\"]") + Policy("fe", AllowFrontendGet), "x").Policies!;

        Assert.Equal("denied by DENY policy demo/deny-admin rule 0", set.Evaluate(Http(path: "/admin")).Reason);
        Assert.Equal("allowed by ALLOW policy demo/fe rule 0", set.Evaluate(Http()).Reason);
        Assert.Equal("no ALLOW policy matched", set.Evaluate(Http(method: "PUT")).Reason);
        Assert.Equal("no ALLOW policies apply to this workload", PolicySet.Empty.Evaluate(Http()).Reason);
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void Root_namespace_is_configurable()
    {
        var yaml = Policy("deny-all", "action: DENY\nrules:\n- {}", ns: "mesh-root");
        var set = PolicyLoader.LoadYaml(yaml, "x", new PolicyLoaderOptions { RootNamespace = "mesh-root" }).Policies!;

        Assert.False(set.Evaluate(Http()).Allowed);
        Assert.True(PolicyLoader.LoadYaml(yaml, "x").Policies!.Evaluate(Http()).Allowed);
    }
}
