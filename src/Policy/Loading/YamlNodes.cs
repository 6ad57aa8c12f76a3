using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Shape checks shared by the readers; each reports its own error and returns null on a mismatch.</summary>
internal static class YamlNodes
{
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>Reads a mapping's fields, reporting unsupported, unknown, duplicate-looking and non-scalar keys.</summary>
    public static Dictionary<string, (YamlNode Key, YamlNode Value)> Fields(YamlMappingNode map, FieldSet fields, ErrorSink errors)
    {
        var result = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                errors.At(keyNode, $"field names in {fields.Where} must be plain strings");
                continue;
            }

            if (fields.Supported.Contains(key))
            {
                result[key] = (keyNode, value);
            }
            else if (fields.NotYetSupported.Contains(key))
            {
                errors.At(keyNode, $"field '{key}' is not supported yet (in {fields.Where}); the policy is refused rather than enforced without it");
            }
            else
            {
                var hint = Suggest.Closest(key, fields.Supported.Concat(fields.NotYetSupported));
                errors.At(keyNode, hint is null
                    ? $"unknown field '{key}' in {fields.Where}; expected one of: {string.Join(", ", fields.Supported)}"
                    : $"unknown field '{key}' in {fields.Where}; did you mean '{hint}'?");
            }
        }

        return result;
    }

    public static YamlMappingNode? Mapping(YamlNode node, string field, ErrorSink errors)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }

        errors.At(node, IsNull(node) ? $"field '{field}' has no value; give it one or remove the field" : $"field '{field}' must be a mapping");
        return null;
    }

    public static YamlSequenceNode? Sequence(YamlNode node, string field, ErrorSink errors)
    {
        if (node is YamlSequenceNode sequence)
        {
            return sequence;
        }

        errors.At(node, IsNull(node) ? $"field '{field}' has no value; give it a list or remove the field" : $"field '{field}' must be a list");
        return null;
    }

    /// <summary>A non-empty string scalar.</summary>
    public static string? Text(YamlNode node, string field, ErrorSink errors)
    {
        if (node is YamlScalarNode scalar && !IsNull(node))
        {
            if (scalar.Value is { Length: > 0 } text)
            {
                return text;
            }

            errors.At(node, $"field '{field}' must not be an empty string");
            return null;
        }

        errors.At(node, IsNull(node) ? $"field '{field}' has no value" : $"field '{field}' must be a string");
        return null;
    }
}
