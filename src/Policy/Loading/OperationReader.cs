using Mesh.Policy.Evaluation;
using YamlDotNet.RepresentationModel;
using static Mesh.Policy.Loading.ValueListReader;

namespace Mesh.Policy.Loading;

/// <summary>Reads one <c>to[].operation</c> into its checks; its fields are ANDed.</summary>
internal static class OperationReader
{
    public static FieldCheck[]? Read(YamlMappingNode map, ErrorSink errors)
    {
        var fields = YamlNodes.Fields(map, FieldSet.Operation, errors);
        if (map.Children.Count == 0)
        {
            // Istio's validation refuses it ("`to.operation` must not be empty").
            errors.At(map, "'operation' is empty; give it at least one field, or remove the 'to' entry to match any operation");
            return null;
        }

        var checks = new List<FieldCheck?>();
        foreach (var (name, (_, value)) in fields)
        {
            var negated = name.StartsWith("not", StringComparison.Ordinal);
            checks.Add(name switch
            {
                "ports" or "notPorts" => Ports(value, name, errors) is { } ports ? new PortCheck(name, ports, negated) : null,
                "hosts" or "notHosts" => Strings(value, name, StringAttribute.Host, PatternKind.Host, negated, errors),
                "methods" or "notMethods" => Strings(value, name, StringAttribute.Method, PatternKind.Plain, negated, errors),
                _ => Strings(value, name, StringAttribute.Path, PatternKind.Path, negated, errors),
            });
        }

        return checks.Contains(null) ? null : checks.OfType<FieldCheck>().ToArray();
    }

    /// <summary>hosts, methods and paths exist only on HTTP (Istio: "Must be used only with HTTP").</summary>
    private static StringCheck? Strings(YamlNode node, string field, StringAttribute attribute, PatternKind kind, bool negated, ErrorSink errors) =>
        Patterns(node, field, kind, errors) is { } patterns ? new StringCheck(field, attribute, patterns, negated, httpOnly: true) : null;
}
