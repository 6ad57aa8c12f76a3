using System.Globalization;
using Mesh.Policy.Matching;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads the value lists of sources and operations: principals, methods, paths, ports.</summary>
internal static class ValueListReader
{
    public enum Kind
    {
        /// <summary>Istio string match: exact, prefix*, *suffix or * (presence).</summary>
        Pattern,

        /// <summary>HTTP methods: exact only in this slice.</summary>
        Method,

        /// <summary>Like <see cref="Pattern"/>, minus Envoy URI templates.</summary>
        Path,
    }

    public static StringMatcher[]? Strings(YamlNode node, string field, Kind kind, ErrorSink errors)
    {
        var items = Items(node, field, errors);
        if (items is null)
        {
            return null;
        }

        var matchers = new List<StringMatcher>(items.Count);
        foreach (var item in items)
        {
            var text = ItemText(item, field, errors);
            if (text is null)
            {
                continue;
            }

            var error = kind switch
            {
                Kind.Method when text.Contains('*', StringComparison.Ordinal) =>
                    $"'{text}' in '{field}': wildcards in methods are not supported yet; list each method (GET, POST, ...)",
                Kind.Path when text.Contains('{', StringComparison.Ordinal) || text.Contains('}', StringComparison.Ordinal) =>
                    $"'{text}' in '{field}': path templates ({{*}}, {{**}}) are not supported yet; use a prefix ('/api/*') or exact paths",
                _ => null,
            };
            if (error is not null)
            {
                errors.At(item, error);
                continue;
            }

            var (matcher, patternError) = kind == Kind.Method ? (StringMatcher.Exact(text), null) : StringPattern.Parse(text);
            if (patternError is not null)
            {
                errors.At(item, $"{patternError} (in '{field}')");
                continue;
            }

            matchers.Add(matcher);
        }

        return matchers.ToArray();
    }

    /// <summary>Istio writes ports as strings; plain YAML numbers are accepted too.</summary>
    public static int[]? Ports(YamlNode node, string field, ErrorSink errors)
    {
        var items = Items(node, field, errors);
        if (items is null)
        {
            return null;
        }

        var ports = new List<int>(items.Count);
        foreach (var item in items)
        {
            var text = ItemText(item, field, errors);
            if (text is null)
            {
                continue;
            }

            if (text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                ports.Add(port);
            }
            else
            {
                errors.At(item, $"port '{text}' in '{field}' must be a number from 1 to 65535");
            }
        }

        return ports.ToArray();
    }

    private static IList<YamlNode>? Items(YamlNode node, string field, ErrorSink errors)
    {
        var sequence = YamlNodes.Sequence(node, field, errors);
        if (sequence is null)
        {
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            // Istio reads an empty list as "unset", i.e. no constraint at all: too easy to write by accident.
            errors.At(node, $"'{field}' is an empty list, which Istio reads as no constraint; remove the field if that is what you mean");
            return null;
        }

        return sequence.Children;
    }

    private static string? ItemText(YamlNode item, string field, ErrorSink errors)
    {
        if (item is YamlScalarNode scalar && !YamlNodes.IsNull(item) && scalar.Value is { Length: > 0 } text)
        {
            return text;
        }

        errors.At(item, item is YamlScalarNode
            ? $"empty value in '{field}'; remove the entry or use '*' to require any value"
            : $"entries of '{field}' must be strings");
        return null;
    }
}
