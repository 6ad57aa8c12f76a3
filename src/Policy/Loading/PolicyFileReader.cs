using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads every document of one YAML text (multi-document <c>---</c> allowed).</summary>
internal static class PolicyFileReader
{
    public static List<PolicyDefinition> Read(string yaml, ErrorSink errors, AuthnDefinitions authn)
    {
        var definitions = new List<PolicyDefinition>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // The parser cannot resynchronise after a syntax error, so this is the file's only error.
            errors.At(e.Start, $"YAML syntax error: {Describe(e)}");
            return definitions;
        }

        var start = errors.Count;
        foreach (var document in stream.Documents)
        {
            // A trailing '---' or a comment-only document holds nothing to enforce.
            if (YamlNodes.IsNull(document.RootNode))
            {
                continue;
            }

            if (DocumentReader.Read(document.RootNode, errors, authn) is { } definition)
            {
                definitions.Add(definition);
            }
        }

        errors.SortFrom(start);
        return definitions;
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, ...): "; the position is already ours.
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var end = message.StartsWith("(Line:", StringComparison.Ordinal) ? message.IndexOf("): ", StringComparison.Ordinal) : -1;
        return end >= 0 ? message[(end + 3)..] : message;
    }
}
