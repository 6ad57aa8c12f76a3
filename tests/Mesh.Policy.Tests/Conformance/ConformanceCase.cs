using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Tests.Conformance;

/// <summary>One request/expectation pair from the Istio data, with the policies and workload it inherits from its suite or group.</summary>
internal sealed record ConformanceCase(
    string Suite,
    string Name,
    string Provenance,
    IReadOnlyList<YamlNode> Policies,
    YamlMappingNode? Workload,
    YamlMappingNode Request,
    string Expect,
    string? HttpStatus,
    string? ExpectReason)
{
    public override string ToString() => $"{Suite} / {Name}";
}

/// <summary>Flattens both data files' suites, groups and case lists; inner levels override outer ones.</summary>
internal static class ConformanceCaseReader
{
    public static List<ConformanceCase> ReadSuites(YamlMappingNode root)
    {
        var cases = new List<ConformanceCase>();
        foreach (var suite in Seq(root, "suites").OfType<YamlMappingNode>())
        {
            var id = Str(suite, "id")!;
            var provenance = Str(Map(suite, "source"), "provenance") ?? "";
            AddCases(cases, id, provenance, suite, Policies(suite), Map(suite, "workload"));
            foreach (var group in Seq(suite, "groups").OfType<YamlMappingNode>())
            {
                AddCases(cases, $"{id}/{Str(group, "id")}", provenance, group, Policies(group) ?? Policies(suite), Map(group, "workload") ?? Map(suite, "workload"));
            }
        }

        return cases;
    }

    public static List<ConformanceCase> ReadL4(YamlMappingNode root)
    {
        var cases = new List<ConformanceCase>();
        foreach (var section in new[] { "ztunnel_l4", "tcp_projection" })
        {
            if (Map(root, section) is not { } map)
            {
                continue;
            }

            var provenance = Str(Map(map, "source"), "provenance") ?? "";
            AddCases(cases, section, provenance, map, Policies(map), null);
            if (Map(map, "evaluation_order_cases") is { } order)
            {
                AddCases(cases, $"{section}/evaluation_order", provenance, order, Policies(order), null);
            }
        }

        return cases;
    }

    private static void AddCases(
        List<ConformanceCase> into, string suite, string provenance, YamlMappingNode owner, IReadOnlyList<YamlNode>? policies, YamlMappingNode? workload)
    {
        foreach (var c in Seq(owner, "cases").OfType<YamlMappingNode>())
        {
            into.Add(new ConformanceCase(
                suite,
                Str(c, "name")!,
                provenance,
                Policies(c) ?? policies ?? [],
                Map(c, "workload") ?? workload,
                Map(c, "request")!,
                Str(c, "expect")!,
                Str(c, "http_status"),
                Str(c, "expect_reason")));
        }
    }

    private static IReadOnlyList<YamlNode>? Policies(YamlMappingNode map) =>
        map.Children.TryGetValue(new YamlScalarNode("policies"), out var node) && node is YamlSequenceNode seq ? seq.Children.ToList() : null;

    public static YamlMappingNode? Map(YamlMappingNode? map, string key) =>
        map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node as YamlMappingNode : null;

    public static string? Str(YamlMappingNode? map, string key) =>
        map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? (node as YamlScalarNode)?.Value : null;

    private static IEnumerable<YamlNode> Seq(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode seq ? seq.Children : [];
}
