using Mesh.Policy.Evaluation;

namespace Mesh.Policy.Tests.Evaluation;

/// <summary>
/// The corners where an index could report a different policy or rule than Istio's order (policies by full name,
/// first matching rule within a policy) or change whether an ALLOW policy applies to the workload.
/// </summary>
public sealed class PolicyIndexOrderingTests
{
    private const string Alice = "cluster.local/ns/demo/sa/alice";

    private static AuthzRequest Http(string app = "api", string principal = Alice, int port = 8080) => new()
    {
        SourcePrincipal = principal,
        DestinationNamespace = "demo",
        DestinationLabels = new Dictionary<string, string> { ["app"] = app, ["tier"] = "backend" },
        DestinationPort = port,
        Protocol = AuthzProtocol.Http,
        Method = "GET",
        Path = "/api/x",
    };

    private static string Policy(string name, string spec, string ns = "demo") =>
        $"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
        + string.Join('\n', spec.Split('\n').Select(l => "  " + l)) + "\n";

    private static string PrincipalRule(string principal, int port = 8080) =>
        $"- from: [{{source: {{principals: [\"{principal}\"]}}}}]\n  to: [{{operation: {{ports: [\"{port}\"]}}}}]";

    /// <summary>Filler rules for other principals, so that the policy has enough rules to be indexed.</summary>
    private static IEnumerable<string> Others(int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => PrincipalRule($"cluster.local/ns/demo/sa/other-{i}"));

    private static PolicySet Load(string yaml)
    {
        var result = PolicyLoader.LoadYaml(yaml, "ordering.yaml");
        Assert.True(result.Ok, string.Join('\n', result.Errors));
        return result.Policies!;
    }

    private static void AssertDecision(PolicySet set, AuthzRequest request, DecisionKind kind, string? policy, int? rule)
    {
        var decision = set.Evaluate(request);
        Assert.Equal((kind, policy, rule), (decision.Decision, decision.Policy, decision.Rule));
        Assert.Equal(ReferenceEvaluator.Evaluate(set, request), decision with { }, DecisionComparer.Instance);
    }

    [Fact]
    public void Two_indexed_rules_match_the_earlier_one_is_reported()
    {
        // Rule 3 is filed under Alice's principal, rule 6 under port 8080 (no principal): the port rule must not win.
        var rules = Others(3).Append(PrincipalRule(Alice)).Concat(Others(2, 3))
            .Append("- to: [{operation: {ports: [\"8080\"], methods: [GET]}}]").Concat(Others(3, 5))
            .Append(PrincipalRule(Alice));
        var set = Load(Policy("many", "rules:\n" + string.Join('\n', rules)));
        Assert.True(set.Sorted.Single().Indexed);

        AssertDecision(set, Http(), DecisionKind.Allow, "demo/many", 3);
        AssertDecision(set, Http(principal: "cluster.local/ns/demo/sa/bob"), DecisionKind.Allow, "demo/many", 6);
        AssertDecision(set, Http(principal: "cluster.local/ns/demo/sa/bob", port: 9090), DecisionKind.Deny, null, null);
    }

    [Fact]
    public void A_port_rule_before_a_principal_rule_is_reported()
    {
        var rules = Others(4).Append("- to: [{operation: {ports: [\"8080\"]}}]").Append(PrincipalRule(Alice)).Concat(Others(4, 4));
        var set = Load(Policy("many", "rules:\n" + string.Join('\n', rules)));

        AssertDecision(set, Http(), DecisionKind.Allow, "demo/many", 4);
    }

    [Fact]
    public void A_wildcard_rule_before_an_exact_one_is_reported()
    {
        var rules = Others(3).Append("- from: [{source: {principals: [\"cluster.local/ns/demo/*\"]}}]")
            .Concat(Others(4, 3)).Append(PrincipalRule(Alice)).Concat(Others(2, 7));
        var set = Load(Policy("many", "rules:\n" + string.Join('\n', rules)));

        AssertDecision(set, Http(), DecisionKind.Allow, "demo/many", 3);
        AssertDecision(set, Http(principal: "other.td/ns/demo/sa/alice"), DecisionKind.Deny, null, null);
    }

    [Theory]
    [InlineData("- from: [{source: {notPrincipals: [\"cluster.local/ns/demo/sa/bob\"]}}]")]
    [InlineData("- from: [{source: {principals: [\"*\"]}}]")]
    [InlineData("- when: [{key: source.principal, notValues: [\"cluster.local/ns/demo/sa/bob\"]}]")]
    [InlineData("- from: [{source: {namespaces: [demo]}}]")]
    [InlineData("- to: [{operation: {notPorts: [\"1\"]}}]")]
    public void Rules_no_index_can_take_still_match_in_order(string unindexable)
    {
        var rules = Others(2).Append(unindexable).Concat(Others(6, 2)).Append(PrincipalRule(Alice));
        var set = Load(Policy("many", "rules:\n" + string.Join('\n', rules)));

        AssertDecision(set, Http(), DecisionKind.Allow, "demo/many", 2);
    }

    [Fact]
    public void A_principal_required_by_a_condition_or_by_every_source_is_indexed_without_losing_matches()
    {
        var rules = Others(4)
            .Append($"- when: [{{key: source.principal, values: [\"{Alice}\"]}}]\n  to: [{{operation: {{paths: [\"/api/*\"]}}}}]")
            .Append($"- from: [{{source: {{principals: [\"x\"]}}}}, {{source: {{principals: [\"{Alice}\"]}}}}]")
            .Concat(Others(4, 4));
        var set = Load(Policy("many", "rules:\n" + string.Join('\n', rules)));

        AssertDecision(set, Http(), DecisionKind.Allow, "demo/many", 4);
        AssertDecision(set, Http() with { Path = "/other" }, DecisionKind.Allow, "demo/many", 5);
        AssertDecision(set, Http() with { Protocol = AuthzProtocol.Tcp, Method = null, Path = null }, DecisionKind.Allow, "demo/many", 5);
    }

    [Fact]
    public void A_selector_less_policy_sorting_between_indexed_ones_is_reported_in_name_order()
    {
        // Twelve selected DENY policies around one selector-less one; for app=api both m-all and z-api match.
        var yaml = string.Concat(Enumerable.Range(0, 12).Select(i =>
                Policy($"{(char)('a' + i)}-svc", $"selector:\n  matchLabels: {{app: svc-{i}}}\naction: DENY\nrules:\n- {{}}")))
            + Policy("m-all", "action: DENY\nrules:\n- to: [{operation: {paths: [\"/api/*\"]}}]")
            + Policy("z-api", "selector:\n  matchLabels: {app: api, tier: backend}\naction: DENY\nrules:\n- {}")
            + Policy("a-api", "selector:\n  matchLabels: {app: api, tier: frontend}\naction: DENY\nrules:\n- {}");
        var set = Load(yaml);

        AssertDecision(set, Http(), DecisionKind.Deny, "demo/m-all", 0);
        AssertDecision(set, Http() with { Path = "/home" }, DecisionKind.Deny, "demo/z-api", 0);
        AssertDecision(set, Http(app: "svc-3"), DecisionKind.Deny, "demo/d-svc", 0);
        AssertDecision(set, Http(app: "web") with { Path = "/home" }, DecisionKind.Allow, null, null);
    }

    [Fact]
    public void Whether_an_ALLOW_policy_applies_follows_the_selectors_not_the_index()
    {
        var yaml = string.Concat(Enumerable.Range(0, 10).Select(i =>
                Policy($"allow-svc-{i}", $"selector:\n  matchLabels: {{app: svc-{i}, tier: backend}}\nrules:\n- from: [{{source: {{principals: [\"{Alice}\"]}}}}]")))
            + Policy("allow-root", "selector:\n  matchLabels: {app: root-only}\nrules:\n- {}", ns: "istio-system");
        var set = Load(yaml);

        AssertDecision(set, Http(app: "svc-4"), DecisionKind.Allow, "demo/allow-svc-4", 0);
        AssertDecision(set, Http(app: "svc-4", principal: "cluster.local/ns/demo/sa/bob"), DecisionKind.Deny, null, null);
        Assert.Equal("no ALLOW policy matched", set.Evaluate(Http(app: "svc-4", principal: "x")).Reason);
        AssertDecision(set, Http(app: "unselected"), DecisionKind.Allow, null, null);
        Assert.Equal("no ALLOW policies apply to this workload", set.Evaluate(Http(app: "unselected")).Reason);

        // The indexed pair matches but the second one does not: the policy does not apply.
        var request = Http(app: "svc-4") with { DestinationLabels = new Dictionary<string, string> { ["app"] = "svc-4", ["tier"] = "frontend" } };
        AssertDecision(set, request, DecisionKind.Allow, null, null);
        AssertDecision(set, Http(app: "root-only", principal: "x"), DecisionKind.Allow, "istio-system/allow-root", 0);
    }

    [Fact]
    public void The_selector_index_yields_exactly_the_selecting_policies_in_order()
    {
        var yaml = string.Concat(Enumerable.Range(0, 20).Select(i => Policy($"p-{i:D2}", (i % 4) switch
        {
            0 => "rules:\n- {}",
            1 => $"selector:\n  matchLabels: {{app: svc-{i % 3}}}\nrules:\n- {{}}",
            2 => $"selector:\n  matchLabels: {{app: svc-{i % 3}, tier: backend}}\nrules:\n- {{}}",
            _ => "selector:\n  matchLabels: {tier: backend}\nrules:\n- {}",
        })));
        var policies = Load(yaml).Sorted.ToArray();
        var index = new SelectorIndex(policies);
        Assert.False(index.Scan);

        foreach (var labels in new[]
        {
            new Dictionary<string, string> { ["app"] = "svc-1", ["tier"] = "backend" },
            new Dictionary<string, string> { ["app"] = "svc-2" },
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["APP"] = "svc-0", ["Tier"] = "backend" },
            new Dictionary<string, string>(),
        })
        {
            var expected = policies.Where(p => p.Selects(labels)).Select(p => p.FullName).ToList();
            var actual = new List<string>();
            foreach (var policy in index.For(labels))
            {
                actual.Add(policy.FullName);
            }

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Indexed_evaluation_allocates_nothing()
    {
        var yaml = string.Concat(Enumerable.Range(0, 40).Select(i =>
            Policy($"allow-svc-{i:D2}", $"selector:\n  matchLabels: {{app: svc-{i}}}\nrules:\n" + string.Join('\n', Others(10).Append(PrincipalRule(Alice))))))
            + Policy("deny-admin", "action: DENY\nrules:\n- to: [{operation: {paths: [\"/admin*\"]}}]");
        var set = Load(yaml);
        var request = Http(app: "svc-17");
        Assert.Equal("demo/allow-svc-17", set.Evaluate(request).Policy);
        var none = Http(app: "svc-17", principal: "nobody");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            set.Evaluate(request);
            set.Evaluate(none);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class DecisionComparer : IEqualityComparer<AuthzDecision>
    {
        public static readonly DecisionComparer Instance = new();

        public bool Equals(AuthzDecision? a, AuthzDecision? b) =>
            a is not null && b is not null && a.Decision == b.Decision && a.Policy == b.Policy && a.Rule == b.Rule && a.Reason == b.Reason
            && a.DryRunMatches.SequenceEqual(b.DryRunMatches) && a.AuditMatches.SequenceEqual(b.AuditMatches);

        public int GetHashCode(AuthzDecision obj) => obj.Decision.GetHashCode();
    }
}
