using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Policy;
using Mesh.Policy.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Commands;

/// <summary>
/// Reads policy unit-test files: YAML, <c>tests:</c> a list of <c>name</c>, <c>request</c> (the attributes
/// <c>mesh policy eval</c> takes), <c>expect: ALLOW|DENY</c> and optionally the deciding <c>policy</c> and <c>rule</c>.
/// Every problem is an error with file:line:col.
/// </summary>
internal static class PolicyTestFiles
{
    private static readonly HashSet<string> Keys = ["name", "request", "expect", "policy", "rule"];

    public static (List<PolicyTestCase> Cases, List<string> Errors) Load(string directory)
    {
        var cases = new List<PolicyTestCase>();
        var errors = new List<string>();
        if (!Directory.Exists(directory))
        {
            errors.Add($"{directory}: test directory does not exist");
            return (cases, errors);
        }
        foreach (var file in Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            ReadFile(file, cases, errors);
        }
        if (cases.Count == 0 && errors.Count == 0)
        {
            errors.Add($"{directory}: no tests found (*.yaml files with 'tests:')");
        }
        return (cases, errors);
    }

    private static void ReadFile(string file, List<PolicyTestCase> cases, List<string> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(file)));
        }
        catch (YamlException e)
        {
            errors.Add($"{file}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}");
            return;
        }
        void Error(YamlNode node, string message) => errors.Add($"{file}:{node.Start.Line}:{node.Start.Column}: {message}");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("tests"), out var list) || list is not YamlSequenceNode tests)
        {
            errors.Add($"{file}:1:1: a test file is a mapping with 'tests:', a list of {{name, request, expect}}");
            return;
        }
        foreach (var item in tests)
        {
            if (item is not YamlMappingNode test)
            {
                Error(item, "each test is a mapping with name, request and expect");
                continue;
            }
            foreach (var key in test.Children.Keys.Where(k => k is not YamlScalarNode { Value: { } v } || !Keys.Contains(v)))
            {
                Error(key, $"unknown key '{key}' in a test; expected one of: {string.Join(", ", Keys)}");
            }
            var name = Scalar(test, "name") ?? $"test at line {test.Start.Line}";
            var expectText = Scalar(test, "expect");
            DecisionKind? expect = expectText switch
            {
                "ALLOW" => DecisionKind.Allow,
                "DENY" => DecisionKind.Deny,
                _ => null,
            };
            if (expect is null)
            {
                Error(test, $"test '{name}': expect must be ALLOW or DENY, not '{expectText}'");
            }
            int? rule = null;
            if (Scalar(test, "rule") is { } ruleText)
            {
                if (int.TryParse(ruleText, NumberStyles.None, CultureInfo.InvariantCulture, out var r))
                {
                    rule = r;
                }
                else
                {
                    Error(test, $"test '{name}': rule must be a rule index (0, 1, ...)");
                }
            }
            if (!test.Children.TryGetValue(new YamlScalarNode("request"), out var requestNode) || requestNode is not YamlMappingNode requestMap)
            {
                Error(test, $"test '{name}': 'request' must be a mapping of attributes, as for mesh policy eval");
                continue;
            }
            AuthzRequest request;
            try
            {
                request = EvalRequest.Parse(ToJson(requestMap)!.ToJsonString());
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
            {
                Error(requestNode, $"test '{name}': {e.Message}");
                continue;
            }
            if (expect is { } kind)
            {
                cases.Add(new PolicyTestCase(name, $"{file}:{test.Start.Line}", request, kind, Scalar(test, "policy"), rule));
            }
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } value } ? value : null;

    /// <summary>YAML to the JSON the eval reader takes; plain scalars that read as numbers or booleans become those.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
        YamlScalarNode { Style: ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => null,
    };
}
