using BenchmarkDotNet.Attributes;
using Mesh.Policy;

namespace Mesh.Bench.Micro.Policy;

/// <summary><see cref="PolicySet.Evaluate"/> on a 21-policy set (see <see cref="PolicyFixture"/>); requests are built once.</summary>
[MemoryDiagnoser]
public class PolicyEvaluateBenchmarks
{
    private const string Checkout = "cluster.local/ns/shop/sa/checkout";

    private PolicySet set = null!;
    private AuthzRequest allowLastRule = null!;
    private AuthzRequest withQuery = null!;
    private AuthzRequest denyPolicy = null!;
    private AuthzRequest noMatch = null!;
    private AuthzRequest tcp = null!;
    private AuthzRequest needsNormalizing = null!;

    [GlobalSetup]
    public void Setup()
    {
        set = PolicyFixture.Load();
        allowLastRule = PolicyFixture.Http(Checkout, "POST", "/v1/charges/ch_123");
        withQuery = PolicyFixture.Http(Checkout, "POST", "/v1/charges/ch_123?expand=customer");
        denyPolicy = PolicyFixture.Http(Checkout, "GET", "/admin/users");
        noMatch = PolicyFixture.Http("cluster.local/ns/shop/sa/unknown", "GET", "/v1/charges/ch_123");
        tcp = new AuthzRequest
        {
            SourcePrincipal = "cluster.local/ns/payments/sa/ledger",
            DestinationNamespace = PolicyFixture.TargetNamespace,
            DestinationLabels = PolicyFixture.ApiLabels,
            DestinationPort = PolicyFixture.TcpPort,
            Protocol = AuthzProtocol.Tcp,
        };
        needsNormalizing = PolicyFixture.Http(Checkout, "GET", "/v1/public/../charges/./ch_123?expand=customer");

        PolicyFixture.Expect(set, allowLastRule, DecisionKind.Allow, "payments/allow-workloads", 4);
        PolicyFixture.Expect(set, withQuery, DecisionKind.Allow, "payments/allow-workloads", 4);
        PolicyFixture.Expect(set, denyPolicy, DecisionKind.Deny, "payments/deny-admin", 0);
        PolicyFixture.Expect(set, noMatch, DecisionKind.Deny, null, null);
        PolicyFixture.Expect(set, tcp, DecisionKind.Allow, "payments/allow-workloads", 5);
        PolicyFixture.Expect(set, needsNormalizing, DecisionKind.Allow, "payments/allow-workloads", 4);
    }

    [Benchmark(Description = "Evaluate: ALLOW on rule 4 of 3rd policy")]
    public AuthzDecision AllowOnLastRule() => set.Evaluate(allowLastRule);

    /// <summary>Same decision as <see cref="AllowOnLastRule"/>; the query string has to be cut off before matching.</summary>
    [Benchmark(Description = "Evaluate: same ALLOW, path with ?query")]
    public AuthzDecision AllowWithQuery() => set.Evaluate(withQuery);

    [Benchmark(Description = "Evaluate: DENY by DENY policy")]
    public AuthzDecision DenyByDenyPolicy() => set.Evaluate(denyPolicy);

    [Benchmark(Description = "Evaluate: no ALLOW matched (deny)")]
    public AuthzDecision NoMatchDeny() => set.Evaluate(noMatch);

    [Benchmark(Description = "Evaluate: TCP (projected rules)")]
    public AuthzDecision Tcp() => set.Evaluate(tcp);

    [Benchmark(Description = "Evaluate: path needing normalization")]
    public AuthzDecision NormalizedPath() => set.Evaluate(needsNormalizing);
}
