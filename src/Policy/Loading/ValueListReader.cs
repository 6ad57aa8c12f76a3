using System.Globalization;
using Mesh.Policy.Matching;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>
/// Reads the value lists of sources, operations and conditions. Each entry is checked on its own, so
/// every bad entry is reported with its own position; the list is null when any entry was bad.
/// </summary>
internal static class ValueListReader
{
    public enum PatternKind
    {
        /// <summary>Istio string match: exact, prefix*, *suffix or * (presence).</summary>
        Plain,

        /// <summary>Like <see cref="Plain"/>, compared case-insensitively (hosts).</summary>
        Host,

        /// <summary>Like <see cref="Plain"/>, or a path template with {*} and {**}.</summary>
        Path,
    }

    /// <summary>The most entries Istio allows in serviceAccounts (CheckServiceAccount), and their longest length.</summary>
    private const int MaxServiceAccounts = 16;
    private const int MaxServiceAccountLength = 320;

    public static ValuePattern[]? Patterns(YamlNode node, string field, PatternKind kind, ErrorSink errors) =>
        Each(node, field, errors, (text, item) =>
        {
            if (kind == PatternKind.Path && (text.Contains('{', StringComparison.Ordinal) || text.Contains('}', StringComparison.Ordinal)))
            {
                var (regex, templateError) = PathTemplate.Parse(text);
                return regex is null ? Fail<ValuePattern>(errors, item, $"{templateError} (in '{field}')") : new ValuePattern(text, regex);
            }

            var (matcher, error) = StringPattern.Parse(text);
            return error is not null
                ? Fail<ValuePattern>(errors, item, $"{error} (in '{field}')")
                : new ValuePattern(text, matcher with { IgnoreCase = kind == PatternKind.Host });
        });

    public static IpBlock[]? Ips(YamlNode node, string field, ErrorSink errors) =>
        Each(node, field, errors, (text, item) =>
        {
            var (block, error) = IpBlock.Parse(text);
            return block ?? Fail<IpBlock>(errors, item, $"{error} (in '{field}')");
        });

    /// <summary>Istio writes ports as strings; plain YAML numbers are accepted too.</summary>
    public static int[]? Ports(YamlNode node, string field, ErrorSink errors)
    {
        var ports = Each(node, field, errors, (text, item) =>
            text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                ? (object)port
                : Fail<object>(errors, item, $"port '{text}' in '{field}' must be a number from 1 to 65535"));
        return ports?.Cast<int>().ToArray();
    }

    /// <summary>
    /// Istio's CheckServiceAccount: exact <c>namespace/name</c> (or <c>name</c>, meaning the policy's namespace),
    /// no wildcards, at most 16 entries of at most 320 characters.
    /// </summary>
    public static (string Namespace, string Name)[]? ServiceAccounts(YamlNode node, string field, string policyNamespace, ErrorSink errors)
    {
        if (node is YamlSequenceNode { Children.Count: > MaxServiceAccounts })
        {
            errors.At(node, $"'{field}' has more than {MaxServiceAccounts} entries, Istio's limit; split the rule");
            return null;
        }

        var accounts = Each(node, field, errors, (text, item) =>
        {
            var parts = text.Split('/');
            string? problem = text.Contains('*', StringComparison.Ordinal) ? "wildcards are not allowed in service accounts; list each namespace/name"
                : text.Length > MaxServiceAccountLength ? $"longer than {MaxServiceAccountLength} characters"
                : parts.Length > 2 || parts.Any(p => p.Length == 0) ? "expected 'namespace/name' or 'name'"
                : null;
            return problem is null
                ? (object)(parts.Length == 2 ? (parts[0], parts[1]) : (policyNamespace, parts[0]))
                : Fail<object>(errors, item, $"'{text}' in '{field}': {problem}");
        });
        return accounts?.Cast<(string, string)>().ToArray();
    }

    private static T[]? Each<T>(YamlNode node, string field, ErrorSink errors, Func<string, YamlNode, T?> read) where T : class
    {
        var items = Items(node, field, errors);
        if (items is null)
        {
            return null;
        }

        var values = new List<T>(items.Count);
        var bad = false;
        foreach (var item in items)
        {
            var value = ItemText(item, field, errors) is { } text ? read(text, item) : null;
            bad |= value is null;
            if (value is not null)
            {
                values.Add(value);
            }
        }

        return bad ? null : values.ToArray();
    }

    private static T? Fail<T>(ErrorSink errors, YamlNode item, string message) where T : class
    {
        errors.At(item, message);
        return null;
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
