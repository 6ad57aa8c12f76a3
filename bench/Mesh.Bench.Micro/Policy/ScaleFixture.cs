using System.Globalization;
using System.Text;
using Mesh.Policy;

namespace Mesh.Bench.Micro.Policy;

/// <summary>The three policy-set shapes of <see cref="PolicyScaleBenchmarks"/>, each at a given number of rules.</summary>
public enum ScaleShape
{
    /// <summary>
    /// Many policies, each selecting its own workload (<c>app=svc-N</c>) with two rules: an exact principal on
    /// port 8080, and an exact principal with methods and a path prefix. Plus one namespace-wide DENY on
    /// <c>/admin*</c> (no selector), which every request is checked against.
    /// </summary>
    Workloads,

    /// <summary>One ALLOW policy for <c>app=api</c> with N rules, rule i allowing principal <c>client-i</c> on port 8000 + i % 16.</summary>
    Principals,

    /// <summary>
    /// Policies of ten rules each, one per workload <c>app=svc-N</c>: six exact-principal rules (port, methods),
    /// two principal-prefix rules and two namespace + header-condition rules (which no index can take). Around them a
    /// root-namespace DENY on a principal prefix, a namespace-wide DENY on paths and a namespace-wide AUDIT on DELETE.
    /// </summary>
    Mixed,
}

/// <summary>
/// Builds a policy set of a given shape and size, loaded through <see cref="PolicyLoader.LoadYaml"/> like real
/// policies, plus three requests: one matching the first rule the evaluator reaches, one matching the last
/// policy's last rule, and one matching no rule (denied).
/// </summary>
internal sealed class ScaleFixture
{
    public const string Namespace = "shop";

    private ScaleFixture(PolicySet set, AuthzRequest early, AuthzRequest late, AuthzRequest none)
    {
        Set = set;
        Early = early;
        Late = late;
        None = none;
    }

    public PolicySet Set { get; }

    public AuthzRequest Early { get; }

    public AuthzRequest Late { get; }

    public AuthzRequest None { get; }

    public static ScaleFixture Build(ScaleShape shape, int rules)
    {
        var fixture = shape switch
        {
            ScaleShape.Workloads => Workloads(rules),
            ScaleShape.Principals => Principals(rules),
            _ => Mixed(rules),
        };
        return fixture;
    }

    private static ScaleFixture Workloads(int rules)
    {
        var policies = Math.Max(1, rules / 2);
        var yaml = new StringBuilder();
        yaml.Append(Header("deny-admin", "DENY", null)).Append("""
              rules:
              - to:
                - operation:
                    paths: ["/admin*"]

            """);
        for (var i = 0; i < policies; i++)
        {
            yaml.Append(Header($"allow-svc-{N(i)}", "ALLOW", $"svc-{N(i)}")).Append($$"""
                  rules:
                  - from:
                    - source:
                        principals: ["cluster.local/ns/shop/sa/client-{{N(i)}}-a"]
                    to:
                    - operation:
                        ports: ["8080"]
                  - from:
                    - source:
                        principals: ["cluster.local/ns/shop/sa/client-{{N(i)}}-b"]
                    to:
                    - operation:
                        methods: ["GET", "POST"]
                        paths: ["/api/*"]

                """);
        }

        var set = Load(yaml);
        var last = N(policies - 1);
        var early = Http($"svc-{N(0)}", $"cluster.local/ns/shop/sa/client-{N(0)}-a", 8080, "GET", "/api/orders");
        var late = Http($"svc-{last}", $"cluster.local/ns/shop/sa/client-{last}-b", 8080, "GET", "/api/orders");
        var none = Http($"svc-{last}", "cluster.local/ns/shop/sa/stranger", 8080, "GET", "/api/orders");
        Expect(set, early, DecisionKind.Allow, $"shop/allow-svc-{N(0)}", 0);
        Expect(set, late, DecisionKind.Allow, $"shop/allow-svc-{last}", 1);
        Expect(set, none, DecisionKind.Deny, null, null);
        return new ScaleFixture(set, early, late, none);
    }

    private static ScaleFixture Principals(int rules)
    {
        var yaml = new StringBuilder(Header("allow-clients", "ALLOW", "api")).Append("  rules:\n");
        for (var i = 0; i < rules; i++)
        {
            yaml.Append($$"""
                  - from:
                    - source:
                        principals: ["cluster.local/ns/clients/sa/client-{{N(i)}}"]
                    to:
                    - operation:
                        ports: ["{{Port(i)}}"]

                """);
        }

        var set = Load(yaml);
        var last = rules - 1;
        var early = Http("api", $"cluster.local/ns/clients/sa/client-{N(0)}", Port(0), "GET", "/");
        var late = Http("api", $"cluster.local/ns/clients/sa/client-{N(last)}", Port(last), "GET", "/");
        var none = Http("api", "cluster.local/ns/clients/sa/stranger", Port(0), "GET", "/");
        Expect(set, early, DecisionKind.Allow, "shop/allow-clients", 0);
        Expect(set, late, DecisionKind.Allow, "shop/allow-clients", last);
        Expect(set, none, DecisionKind.Deny, null, null);
        return new ScaleFixture(set, early, late, none);
    }

    private static ScaleFixture Mixed(int rules)
    {
        var policies = Math.Max(1, rules / 10);
        var yaml = new StringBuilder();
        yaml.Append(Header("mesh-deny-legacy", "DENY", null, "istio-system")).Append("""
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/legacy/*"]

            """);
        yaml.Append(Header("audit-deletes", "AUDIT", null)).Append("""
              rules:
              - to:
                - operation:
                    methods: ["DELETE"]

            """);
        yaml.Append(Header("deny-debug", "DENY", null)).Append("""
              rules:
              - to:
                - operation:
                    paths: ["/admin*", "*/debug"]

            """);
        for (var k = 0; k < policies; k++)
        {
            yaml.Append(Header($"svc-{N(k)}", "ALLOW", $"svc-{N(k)}")).Append("  rules:\n");
            for (var j = 0; j < 10; j++)
            {
                yaml.Append((j % 5) switch
                {
                    2 => $$"""
                          - from:
                            - source:
                                principals: ["cluster.local/ns/team-{{N(k)}}-{{j}}/*"]
                            to:
                            - operation:
                                methods: ["GET"]

                        """,
                    4 => $$"""
                          - from:
                            - source:
                                namespaces: ["monitoring-{{j}}"]
                            when:
                            - key: request.headers[x-probe]
                              values: ["svc-{{N(k)}}"]

                        """,
                    _ => $$"""
                          - from:
                            - source:
                                principals: ["cluster.local/ns/shop/sa/c-{{N(k)}}-{{j}}"]
                            to:
                            - operation:
                                ports: ["8080"]
                                methods: ["GET", "POST"]

                        """,
                });
            }
        }

        var set = Load(yaml);
        var last = N(policies - 1);
        var early = Http($"svc-{N(0)}", $"cluster.local/ns/shop/sa/c-{N(0)}-0", 8080, "GET", "/orders");
        var late = Http($"svc-{last}", "cluster.local/ns/monitoring-9/sa/prober", 8080, "GET", "/orders") with
        {
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-probe"] = $"svc-{last}" },
        };
        var none = Http($"svc-{last}", "cluster.local/ns/shop/sa/stranger", 8080, "GET", "/orders");
        Expect(set, early, DecisionKind.Allow, $"shop/svc-{N(0)}", 0);
        Expect(set, late, DecisionKind.Allow, $"shop/svc-{last}", 9);
        Expect(set, none, DecisionKind.Deny, null, null);
        return new ScaleFixture(set, early, late, none);
    }

    private static string N(int i) => i.ToString("D5", CultureInfo.InvariantCulture);

    private static int Port(int i) => 8000 + (i % 16);

    private static string Header(string name, string action, string? app, string ns = Namespace)
    {
        var selector = app is null ? "" : $"  selector:\n    matchLabels:\n      app: {app}\n";
        return $"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{selector}  action: {action}\n";
    }

    private static PolicySet Load(StringBuilder yaml)
    {
        var result = PolicyLoader.LoadYaml(yaml.ToString(), "scale-policies.yaml");
        if (!result.Ok)
        {
            throw new InvalidOperationException("benchmark policies do not load:\n" + string.Join('\n', result.Errors.Take(10)));
        }

        return result.Policies!;
    }

    /// <summary>Each workload has its own labels dictionary, built once, as the agent keeps one per workload.</summary>
    private static AuthzRequest Http(string app, string principal, int port, string method, string path) => new()
    {
        SourcePrincipal = principal,
        DestinationNamespace = Namespace,
        DestinationLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = app, ["version"] = "v1", ["tier"] = "backend" },
        DestinationPort = port,
        Protocol = AuthzProtocol.Http,
        Method = method,
        Path = path,
    };

    private static void Expect(PolicySet set, AuthzRequest request, DecisionKind kind, string? policy, int? rule) =>
        PolicyFixture.Expect(set, request, kind, policy, rule);
}
