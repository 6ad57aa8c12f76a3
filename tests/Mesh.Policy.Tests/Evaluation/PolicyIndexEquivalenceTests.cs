using System.Globalization;
using System.Text;

namespace Mesh.Policy.Tests.Evaluation;

/// <summary>
/// The selector and rule indexes must not change what <see cref="PolicySet.Evaluate"/> returns, only how fast:
/// seeded random policy sets (exact and wildcard principals, ports, methods, paths, conditions, not* fields,
/// selectors of zero to three pairs, DENY/ALLOW/AUDIT, dry-run, local and root namespaces) against many random
/// requests, each compared field by field with <see cref="ReferenceEvaluator"/>'s plain scan.
/// </summary>
public sealed class PolicyIndexEquivalenceTests
{
    private const int Requests = 3000;

    /// <summary>labelKeys above 7 push some role lists past the merge's capacity, into the scan fallback.</summary>
    [Theory]
    [InlineData(1, 300, 3)]
    [InlineData(2, 400, 3)]
    [InlineData(3, 300, 5)]
    [InlineData(4, 500, 2)]
    [InlineData(5, 300, 10)]
    [InlineData(6, 60, 3)]
    public void Indexed_evaluation_equals_a_full_scan(int seed, int policies, int labelKeys)
    {
        var generator = new Generator(new Random(seed), labelKeys);
        var yaml = generator.PolicySet(policies);
        var result = PolicyLoader.LoadYaml(yaml, $"random-{seed}.yaml");
        Assert.True(result.Ok, string.Join('\n', result.Errors.Take(5)) + "\n" + yaml[..Math.Min(yaml.Length, 4000)]);
        var set = result.Policies!;
        Assert.Contains(set.Sorted, p => p.Indexed);

        var mismatches = new List<string>();
        var outcomes = new HashSet<string>();
        for (var i = 0; i < Requests; i++)
        {
            var request = generator.Request();
            var expected = ReferenceEvaluator.Evaluate(set, request);
            var actual = set.Evaluate(request);
            outcomes.Add($"{actual.Decision}/{actual.Policy is not null}");
            outcomes.Add(actual.AuditMatches.Count > 0 ? "audit" : "no audit");
            outcomes.Add(actual.DryRunMatches.Count > 0 ? "dry-run" : "no dry-run");
            if (!Same(expected, actual))
            {
                mismatches.Add($"{Describe(request)}\n  expected {Show(expected)}\n  actual   {Show(actual)}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {Requests} differ, e.g.:\n" + string.Join('\n', mismatches.Take(5)));

        // The generator has to reach every kind of outcome, or the comparison proves little.
        Assert.Equal(["Allow/False", "Allow/True", "Deny/False", "Deny/True", "audit", "dry-run", "no audit", "no dry-run"], outcomes.Order(StringComparer.Ordinal));
    }

    private static bool Same(AuthzDecision a, AuthzDecision b) =>
        a.Decision == b.Decision && a.Policy == b.Policy && a.Rule == b.Rule && a.Reason == b.Reason
        && a.DryRunMatches.SequenceEqual(b.DryRunMatches) && a.AuditMatches.SequenceEqual(b.AuditMatches);

    private static string Show(AuthzDecision d) =>
        $"{d.Decision} {d.Policy} rule {d.Rule} ({d.Reason}) dry-run [{string.Join(", ", d.DryRunMatches)}] audit [{string.Join(", ", d.AuditMatches)}]";

    private static string Describe(AuthzRequest r) =>
        $"{r.Protocol} {r.SourcePrincipal ?? "(plaintext)"} -> {r.DestinationNamespace} {{{string.Join(",", r.DestinationLabels.Select(kv => $"{kv.Key}={kv.Value}"))}}} :{r.DestinationPort} {r.Method} {r.Path} hdr={r.Headers?.Count ?? 0}";

    /// <summary>Small value pools so that random rules and random requests meet often.</summary>
    private sealed class Generator(Random random, int labelKeys)
    {
        private static readonly string[] Namespaces = ["demo", "shop", "web", "data"];
        private static readonly string[] Principals =
        [
            "cluster.local/ns/demo/sa/a", "cluster.local/ns/demo/sa/b", "cluster.local/ns/demo/sa/c",
            "cluster.local/ns/shop/sa/a", "cluster.local/ns/shop/sa/d", "cluster.local/ns/ops/sa/e",
            "cluster.local/ns/ops/sa/f", "other.domain/ns/demo/sa/a",
        ];

        private static readonly string[] PrincipalPatterns = ["cluster.local/ns/demo/*", "*/sa/a", "*", "cluster.local/ns/ops/*", "*/sa/d"];
        private static readonly int[] Ports = [80, 8080, 9090, 5432];
        private static readonly string[] Methods = ["GET", "POST", "DELETE"];
        private static readonly string[] Paths = ["/", "/api/x", "/api/y", "/admin/z", "/health"];
        private static readonly string[] PathPatterns = ["/api/*", "/admin*", "*/z", "/health", "/api/x", "*"];
        private static readonly string[] Values = ["x", "y"];

        private int name;

        public string PolicySet(int count)
        {
            var yaml = new StringBuilder();
            for (var i = 0; i < count; i++)
            {
                yaml.Append(Policy());
            }

            return yaml.ToString();
        }

        public AuthzRequest Request()
        {
            var http = random.Next(5) > 0;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var k = 0; k < labelKeys; k++)
            {
                if (random.Next(4) > 0)
                {
                    labels[LabelKey(k)] = LabelValue();
                }
            }

            return new AuthzRequest
            {
                SourcePrincipal = random.Next(12) switch { 0 => null, 1 => "cluster.local/ns/demo/sa/stranger", _ => Pick(Principals) },
                DestinationNamespace = random.Next(20) == 0 ? "istio-system" : Pick(Namespaces),
                DestinationLabels = labels,
                DestinationPort = random.Next(8) == 0 ? 7 : Pick(Ports),
                Protocol = http ? AuthzProtocol.Http : AuthzProtocol.Tcp,
                Method = http ? Pick(Methods) : null,
                Path = http ? Pick(Paths) : null,
                Headers = http && random.Next(3) == 0 ? new Dictionary<string, string> { ["x-k"] = Pick(Values) } : null,
            };
        }

        private string Policy()
        {
            // Random name prefixes, so that selector-less and selected policies interleave in name order.
            var policyName = $"{(char)('a' + random.Next(26))}-{name++.ToString(CultureInfo.InvariantCulture)}";
            var action = random.Next(20) switch { < 13 => "ALLOW", < 18 => "DENY", _ => "AUDIT" };
            // Most policies in demo, few in web, none in data: requests then meet crowded and empty namespaces.
            var ns = random.Next(100) switch { < 3 => "istio-system", < 70 => "demo", < 92 => "shop", _ => "web" };
            var text = new StringBuilder($"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: {policyName}\n  namespace: {ns}\n");
            if (random.Next(12) == 0)
            {
                text.Append("  annotations:\n    istio.io/dry-run: \"true\"\n");
            }

            text.Append($"spec:\n  action: {action}\n");
            var pairs = random.Next(10) switch { < 3 => -1, 3 => 0, < 8 => 1, 8 => 2, _ => 3 };
            if (ns == "istio-system" && pairs < 1)
            {
                // A mesh-wide policy for every workload would leave no request without an applicable ALLOW.
                pairs = 1;
            }

            if (pairs >= 0)
            {
                text.Append("  selector:\n    matchLabels:").Append(pairs == 0 ? " {}\n" : "\n");
                foreach (var k in Enumerable.Range(0, labelKeys).OrderBy(_ => random.Next()).Take(pairs))
                {
                    text.Append($"      {LabelKey(k)}: {LabelValue()}\n");
                }
            }

            // Many rules often enough that policies get a rule index (8 rules or more).
            var rules = random.Next(3) == 0 ? random.Next(8, 16) : random.Next(0, 5);
            if (rules > 0 || random.Next(2) == 0)
            {
                text.Append("  rules:\n");
                for (var r = 0; r < rules; r++)
                {
                    // DENY and AUDIT rules always restrict both source and operation, or nearly every request would be denied.
                    text.Append(Rule(narrow: action != "ALLOW"));
                }

                if (rules == 0)
                {
                    text.Append(action == "ALLOW" ? "  - {}\n" : "  - to: [{operation: {paths: [\"/admin*\"]}}]\n");
                }
            }

            return text.ToString();
        }

        private string Rule(bool narrow)
        {
            var parts = new List<string>();
            if (narrow || random.Next(5) > 0)
            {
                var sources = Enumerable.Range(0, random.Next(1, 3)).Select(_ => "    - source:\n" + Source());
                parts.Add("    from:\n" + string.Concat(sources));
            }

            if (narrow || random.Next(3) > 0)
            {
                var operations = Enumerable.Range(0, random.Next(1, 3)).Select(_ => "    - operation:\n" + Operation());
                parts.Add("    to:\n" + string.Concat(operations));
            }

            if (random.Next(4) == 0)
            {
                parts.Add("    when:\n" + Condition());
            }

            if (parts.Count == 0)
            {
                return "  - {}\n";
            }

            var rule = string.Concat(parts);
            return "  -" + rule[3..];
        }

        private string Source()
        {
            var fields = new List<string>();
            switch (random.Next(10))
            {
                case < 5:
                    fields.Add($"principals: [{List(Principals, 3)}]");
                    break;
                case < 7:
                    fields.Add($"principals: [{List(PrincipalPatterns, 2)}]");
                    break;
                case 7:
                    fields.Add($"notPrincipals: [{List(Principals.Concat(PrincipalPatterns).ToArray(), 2)}]");
                    break;
                case 8:
                    fields.Add($"namespaces: [{List(["demo", "shop", "ops", "d*"], 2)}]");
                    break;
                default:
                    fields.Add($"notNamespaces: [{List(["demo", "ops"], 1)}]");
                    break;
            }

            // A second field ANDed in: exact principals next to a namespace, or a namespace next to principals.
            if (random.Next(5) == 0)
            {
                fields.Add(fields[0].StartsWith("principals", StringComparison.Ordinal)
                    ? $"notNamespaces: [{List(["ops", "shop"], 1)}]"
                    : $"principals: [{List(Principals, 2)}]");
            }

            return string.Concat(fields.Select(f => $"        {f}\n"));
        }

        private string Operation()
        {
            var fields = new List<string>();
            if (random.Next(2) == 0)
            {
                fields.Add($"ports: [{string.Join(", ", Ports.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Select(p => $"\"{p}\""))}]");
            }

            if (random.Next(6) == 0)
            {
                fields.Add($"notPorts: [\"{Pick(Ports)}\"]");
            }

            if (random.Next(3) == 0)
            {
                fields.Add($"methods: [{List(Methods, 2)}]");
            }

            if (random.Next(3) == 0)
            {
                fields.Add($"paths: [{List(PathPatterns, 2)}]");
            }

            if (random.Next(8) == 0)
            {
                fields.Add($"notPaths: [{List(PathPatterns, 1)}]");
            }

            if (fields.Count == 0)
            {
                fields.Add($"ports: [\"{Pick(Ports)}\"]");
            }

            return string.Concat(fields.Select(f => $"        {f}\n"));
        }

        private string Condition() => random.Next(5) switch
        {
            0 => $"    - key: source.principal\n      values: [{List(Principals, 2)}]\n",
            1 => $"    - key: source.principal\n      notValues: [{List(Principals, 1)}]\n",
            2 => $"    - key: destination.port\n      values: [{string.Join(", ", Ports.Take(random.Next(1, 3)).Select(p => $"\"{p}\""))}]\n",
            3 => $"    - key: request.headers[x-k]\n      values: [{List(Values, 1)}]\n",
            _ => $"    - key: source.namespace\n      values: [{List(["demo", "sh*"], 1)}]\n",
        };

        private string List(string[] pool, int max) =>
            string.Join(", ", pool.OrderBy(_ => random.Next()).Take(random.Next(1, max + 1)).Select(v => $"\"{v}\""));

        private static string LabelKey(int k) => k switch { 0 => "app", 1 => "version", 2 => "tier", _ => $"k{k}" };

        private string LabelValue() => ((char)('a' + random.Next(5))).ToString();

        private T Pick<T>(T[] pool) => pool[random.Next(pool.Length)];
    }
}
