using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Agent.Config;

/// <summary>
/// Strict, reflection-free reading of one YAML mapping (so the agent also runs as a NativeAOT build): each field is
/// taken by name with its type; a value of the wrong shape, and any field left untaken (<see cref="EnsureAllRead"/>),
/// is a <see cref="ConfigException"/> at its file:line:col.
/// </summary>
internal sealed class YamlMap
{
    private readonly string _file;
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private YamlMap(string file, YamlMappingNode node)
    {
        _file = file;
        _node = node;
    }

    /// <summary>Parses a file whose top level is one mapping (an empty file is an empty mapping).</summary>
    public static YamlMap Load(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message}");
        }
        if (stream.Documents.Count == 0)
        {
            return new YamlMap(file, new YamlMappingNode());
        }
        return stream.Documents[0].RootNode is YamlMappingNode root
            ? new YamlMap(file, root)
            : throw Error(file, stream.Documents[0].RootNode, "the file must be a mapping of fields");
    }

    public string? String(string key)
    {
        if (Take(key) is not { } node)
        {
            return null;
        }
        return node is YamlScalarNode { Value: var value } ? value : throw Error(_file, node, $"field '{key}' must be a single value");
    }

    public int Int(string key)
    {
        var node = _node.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;
        var text = String(key);
        if (text is null)
        {
            return 0;
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(_file, node!, $"field '{key}' must be a whole number, not '{text}'");
    }

    /// <summary>A field written either as one value (the short form) or as a mapping of fields.</summary>
    public (string? Text, YamlMap? Map) StringOrMap(string key) => Take(key) switch
    {
        null => (null, null),
        YamlScalarNode { Value: var value } => (value, null),
        YamlMappingNode m => (null, new YamlMap(_file, m)),
        var other => throw Error(_file, other, $"field '{key}' must be a single value or a mapping of fields"),
    };

    public IReadOnlyList<string> StringList(string key) => Take(key) switch
    {
        null => [],
        YamlSequenceNode s => s.Children.Select(c => c is YamlScalarNode { Value: { } v } ? v : throw Error(_file, c, $"each entry of '{key}' must be a single value")).ToList(),
        var other => throw Error(_file, other, $"field '{key}' must be a list of values"),
    };

    public YamlMap? Map(string key) => Take(key) switch
    {
        null => null,
        YamlMappingNode m => new YamlMap(_file, m),
        var other => throw Error(_file, other, $"field '{key}' must be a mapping of fields"),
    };

    public IReadOnlyList<YamlMap> List(string key) => Take(key) switch
    {
        null => [],
        YamlSequenceNode s => s.Children.Select(c => c is YamlMappingNode m ? new YamlMap(_file, m) : throw Error(_file, c, $"each entry of '{key}' must be a mapping of fields")).ToList(),
        var other => throw Error(_file, other, $"field '{key}' must be a list"),
    };

    public Dictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Take(key))
        {
            case null:
                return result;
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                {
                    result[k is YamlScalarNode { Value: { } name } ? name : throw Error(_file, k, $"keys of '{key}' must be single values")] =
                        v is YamlScalarNode { Value: { } value } ? value : throw Error(_file, v, $"values of '{key}' must be single values");
                }
                return result;
            case var other:
                throw Error(_file, other, $"field '{key}' must be a mapping of names to values");
        }
    }

    /// <summary>The field names of this mapping, for sections keyed by data (e.g. issuers) rather than by fixed names.</summary>
    public IReadOnlyList<string> Keys => _node.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? "").ToList();

    /// <summary>Every field must have been read: an unknown one is a typo or a setting this version does not have.</summary>
    public void EnsureAllRead()
    {
        foreach (var key in _node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!_read.Contains(name))
            {
                throw Error(_file, key, $"unknown field '{name}'");
            }
        }
    }

    private YamlNode? Take(string key)
    {
        _read.Add(key);
        if (!_node.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        // "key:" with nothing after it is YAML's null: the same as leaving the field out.
        return node is YamlScalarNode { Value: null or "" or "~" or "null", Style: ScalarStyle.Plain } ? null : node;
    }

    private static ConfigException Error(string file, YamlNode node, string message) =>
        new($"{file}:{node.Start.Line}:{node.Start.Column}: {message}");
}
