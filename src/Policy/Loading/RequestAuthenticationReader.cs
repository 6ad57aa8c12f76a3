using Mesh.Policy.Authentication;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads a RequestAuthentication <c>spec</c>: selector and jwtRules.</summary>
internal static class RequestAuthenticationReader
{
    public const string Kind = "RequestAuthentication";

    /// <param name="header">Null when the metadata had errors; the spec is still checked so every error is reported.</param>
    public static RequestAuthenticationDefinition? Read(YamlNode? spec, DocumentHeader? header, ErrorSink errors)
    {
        var policy = header?.FullName ?? "?";
        Dictionary<string, string>? labels = null;
        var rules = new List<JwtRule>();
        if (spec is not null && !YamlNodes.IsNull(spec) && YamlNodes.Mapping(spec, "spec", errors) is { } map)
        {
            var fields = YamlNodes.Fields(map, AuthnFieldSets.RequestSpec, errors);
            if (fields.TryGetValue("selector", out var selector))
            {
                labels = SelectorReader.Read(selector.Value, errors);
            }

            if (fields.TryGetValue("jwtRules", out var jwtRules) && YamlNodes.Sequence(jwtRules.Value, "jwtRules", errors) is { } sequence)
            {
                foreach (var item in sequence)
                {
                    if (YamlNodes.Mapping(item, "jwtRules[]", errors) is { } rule && JwtRuleReader.Read(rule, policy, errors) is { } read)
                    {
                        rules.Add(read);
                    }
                }
            }
        }

        return header is null
            ? null
            : new RequestAuthenticationDefinition(header.Namespace, header.Name, labels is { Count: > 0 } ? labels : null, rules, header.Location);
    }
}
