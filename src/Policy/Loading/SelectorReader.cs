using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads <c>spec.selector.matchLabels</c>, for every kind that has one.</summary>
internal static class SelectorReader
{
    /// <returns>The labels (empty for an empty or absent matchLabels), or null when the selector is malformed (reported).</returns>
    public static Dictionary<string, string>? Read(YamlNode node, ErrorSink errors)
    {
        if (YamlNodes.Mapping(node, "selector", errors) is not { } map)
        {
            return null;
        }

        var fields = YamlNodes.Fields(map, FieldSet.Selector, errors);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!fields.TryGetValue("matchLabels", out var matchLabels))
        {
            return labels;
        }

        if (YamlNodes.Mapping(matchLabels.Value, "matchLabels", errors) is not { } labelMap)
        {
            return null;
        }

        foreach (var (key, value) in labelMap.Children)
        {
            var name = YamlNodes.Text(key, "matchLabels key", errors);
            if (value is not YamlScalarNode scalar || YamlNodes.IsNull(value))
            {
                errors.At(value, $"label '{name}' in matchLabels needs a string value (write \"\" for an empty one)");
                continue;
            }

            if (name is not null)
            {
                labels[name] = scalar.Value ?? "";
            }
        }

        return labels;
    }
}
