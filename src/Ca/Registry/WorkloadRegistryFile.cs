using Mesh.Identity;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Ca;

/// <summary>
/// Reads the CA's workload registry: which workloads run on which node. Every error is reported at once as
/// <c>file:line:col: message</c>.
/// </summary>
/// <example>
/// workloads:
///   - node: node-a
///     namespace: demo
///     serviceAccount: frontend
///     name: frontend-6d4f9   # optional, for people
/// </example>
public static class WorkloadRegistryFile
{
    private static readonly HashSet<string> Keys = ["node", "namespace", "serviceAccount", "name"];

    public static IReadOnlyList<RegisteredWorkload> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new CaConfigException($"{path}: cannot read the workload registry: {e.Message}", e);
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CaConfigException($"{path}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.Message}", e);
        }

        var errors = new List<string>();
        var result = new List<RegisteredWorkload>();
        void Error(YamlNode node, string message) => errors.Add($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");

        if (stream.Documents.Count == 0)
        {
            return result;
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("workloads"), out var list))
        {
            throw new CaConfigException($"{path}:1:1: the registry must be a mapping with 'workloads:' (a list of node, namespace, serviceAccount)");
        }
        foreach (var key in root.Children.Keys.Where(k => k is not YamlScalarNode { Value: "workloads" }))
        {
            Error(key, $"unknown key '{key}'; expected 'workloads'");
        }
        if (list is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return result;
        }
        if (list is not YamlSequenceNode items)
        {
            throw new CaConfigException($"{path}:{list.Start.Line}:{list.Start.Column}: 'workloads' must be a list");
        }
        foreach (var item in items)
        {
            if (item is not YamlMappingNode map)
            {
                Error(item, "each workload is a mapping with node, namespace and serviceAccount");
                continue;
            }
            foreach (var key in map.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } k } || !Keys.Contains(k))
                {
                    Error(key, $"unknown key '{key}' in a workload; expected one of: {string.Join(", ", Keys)}");
                }
            }
            string? Field(string key, bool required)
            {
                if (map.Children.TryGetValue(new YamlScalarNode(key), out var node))
                {
                    if (node is YamlScalarNode { Value.Length: > 0 } s)
                    {
                        return s.Value;
                    }
                    Error(node, $"'{key}' must be a non-empty string");
                }
                else if (required)
                {
                    Error(map, $"missing '{key}'");
                }
                return null;
            }
            var node = Field("node", true);
            var ns = Field("namespace", true);
            var sa = Field("serviceAccount", true);
            var name = Field("name", false);
            if (node is not null && !NodeIds.IsValidName(node, out var nodeError))
            {
                Error(map, $"node '{node}': {nodeError}");
                continue;
            }
            if (ns is not null && sa is not null && !SpiffeId.TryParse($"spiffe://x/ns/{ns}/sa/{sa}", out _, out var idError))
            {
                Error(map, $"namespace/serviceAccount '{ns}/{sa}' cannot form a SPIFFE ID: {idError}");
                continue;
            }
            if (node is not null && ns is not null && sa is not null)
            {
                result.Add(new RegisteredWorkload(node, ns, sa, name));
            }
        }
        return errors.Count > 0 ? throw new CaConfigException(errors) : result;
    }
}
