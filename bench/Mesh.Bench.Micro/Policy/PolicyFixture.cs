using System.Text;
using Mesh.Policy;

namespace Mesh.Bench.Micro.Policy;

/// <summary>
/// A realistic policy set: five application namespaces with four policies each (20), plus one mesh-wide
/// DENY in the root namespace that every request is checked against. Per namespace, in the name order the
/// evaluator scans them:
/// <list type="bullet">
/// <item><c>allow-health</c>: ALLOW for all workloads, GET on exact health paths.</item>
/// <item><c>allow-metrics</c>: ALLOW for app=api, the monitoring namespace (principal prefix) on port 9090.</item>
/// <item><c>allow-workloads</c>: ALLOW for app=api, five rules of principals x methods x prefix/suffix paths;
/// the benchmarked ALLOW matches the last HTTP rule (index 4), after everything else was tried.
/// Rule 5 is a TCP rule (ports only) that survives the TCP projection.</item>
/// <item><c>deny-admin</c>: DENY for app=api of <c>/admin*</c> and <c>*/debug</c> on port 8080.</item>
/// </list>
/// </summary>
internal static class PolicyFixture
{
    public const string TargetNamespace = "payments";
    public const int HttpPort = 8080;
    public const int TcpPort = 5432;

    public static readonly string[] Namespaces = ["shop", "payments", "inventory", "identity", "analytics"];

    public static readonly IReadOnlyDictionary<string, string> ApiLabels =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "api", ["version"] = "v2", ["tier"] = "backend" };

    public static string Yaml()
    {
        var yaml = new StringBuilder();
        yaml.Append("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: mesh-deny-legacy
              namespace: istio-system
            spec:
              action: DENY
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/legacy/*"]

            """);
        foreach (var ns in Namespaces)
        {
            yaml.Append($$"""
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: allow-health
                  namespace: {{ns}}
                spec:
                  action: ALLOW
                  rules:
                  - to:
                    - operation:
                        methods: ["GET"]
                        paths: ["/healthz", "/readyz"]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: allow-metrics
                  namespace: {{ns}}
                spec:
                  selector:
                    matchLabels:
                      app: api
                  action: ALLOW
                  rules:
                  - from:
                    - source:
                        principals: ["cluster.local/ns/monitoring/*"]
                    to:
                    - operation:
                        ports: ["9090"]
                        methods: ["GET"]
                        paths: ["/metrics"]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: allow-workloads
                  namespace: {{ns}}
                spec:
                  selector:
                    matchLabels:
                      app: api
                      tier: backend
                  action: ALLOW
                  rules:
                  - from:
                    - source:
                        principals: ["cluster.local/ns/{{ns}}/sa/web", "cluster.local/ns/{{ns}}/sa/mobile"]
                    to:
                    - operation:
                        methods: ["GET", "HEAD"]
                        paths: ["/v1/public/*", "/v1/catalog/*"]
                  - from:
                    - source:
                        principals: ["cluster.local/ns/reporting/*"]
                    to:
                    - operation:
                        methods: ["GET"]
                        paths: ["*.csv", "*.json"]
                  - from:
                    - source:
                        principals: ["*/sa/batch"]
                    to:
                    - operation:
                        methods: ["PUT"]
                        paths: ["/v1/import/*"]
                  - from:
                    - source:
                        principals: ["cluster.local/ns/ops/sa/oncall"]
                        notPrincipals: ["cluster.local/ns/ops/sa/intern"]
                    to:
                    - operation:
                        methods: ["DELETE"]
                        paths: ["/v1/cache/*"]
                  - from:
                    - source:
                        principals: ["cluster.local/ns/shop/sa/checkout", "cluster.local/ns/shop/sa/refunds"]
                    to:
                    - operation:
                        ports: ["8080"]
                        methods: ["GET", "POST"]
                        paths: ["/v1/charges/*", "/v1/refunds/*"]
                        notPaths: ["*/internal"]
                  - from:
                    - source:
                        principals: ["cluster.local/ns/{{ns}}/sa/ledger"]
                    to:
                    - operation:
                        ports: ["5432"]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-admin
                  namespace: {{ns}}
                spec:
                  selector:
                    matchLabels:
                      app: api
                  action: DENY
                  rules:
                  - to:
                    - operation:
                        ports: ["8080"]
                        paths: ["/admin*", "*/debug"]

                """);
        }

        return yaml.ToString();
    }

    public static PolicySet Load()
    {
        var result = PolicyLoader.LoadYaml(Yaml(), "bench-policies.yaml");
        if (!result.Ok)
        {
            throw new InvalidOperationException("benchmark policies do not load:\n" + string.Join('\n', result.Errors));
        }

        return result.Policies!;
    }

    public static AuthzRequest Http(string principal, string method, string path) => new()
    {
        SourcePrincipal = principal,
        DestinationNamespace = TargetNamespace,
        DestinationLabels = ApiLabels,
        DestinationPort = HttpPort,
        Protocol = AuthzProtocol.Http,
        Method = method,
        Path = path,
    };

    /// <summary>Fails the run when a case does not decide as its name says, so no benchmark measures the wrong path.</summary>
    public static void Expect(PolicySet set, AuthzRequest request, DecisionKind kind, string? policy, int? rule)
    {
        var decision = set.Evaluate(request);
        if (decision.Decision != kind || decision.Policy != policy || decision.Rule != rule)
        {
            throw new InvalidOperationException(
                $"{request.Method} {request.Path} from {request.SourcePrincipal}: expected {kind} {policy} rule {rule}, got {decision}");
        }
    }
}
