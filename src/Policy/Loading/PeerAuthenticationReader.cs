using System.Globalization;
using Mesh.Policy.Authentication;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads a PeerAuthentication <c>spec</c>: selector, mtls.mode and portLevelMtls.</summary>
internal static class PeerAuthenticationReader
{
    public const string Kind = "PeerAuthentication";

    private static readonly Dictionary<int, MtlsMode?> NoPorts = [];

    /// <param name="spec">Null when the document has no spec: Istio reads that as UNSET, namespace-wide.</param>
    /// <param name="header">Null when the metadata had errors; the spec is still checked so every error is reported.</param>
    public static PeerAuthenticationDefinition? Read(YamlNode? spec, DocumentHeader? header, ErrorSink errors)
    {
        Dictionary<string, string>? labels = null;
        SourceLocation? selectorAt = null;
        MtlsMode? mode = null;
        var ports = NoPorts;
        if (spec is not null && !YamlNodes.IsNull(spec) && YamlNodes.Mapping(spec, "spec", errors) is { } map)
        {
            var fields = YamlNodes.Fields(map, AuthnFieldSets.PeerSpec, errors);
            if (fields.TryGetValue("selector", out var selector))
            {
                labels = SelectorReader.Read(selector.Value, errors);
                selectorAt = errors.Locate(selector.Key);
            }

            if (fields.TryGetValue("mtls", out var mtls))
            {
                mode = ReadMtls(mtls.Value, "mtls", errors);
            }

            if (fields.TryGetValue("portLevelMtls", out var portLevel))
            {
                // Istio's CRD validation: "portLevelMtls requires selector" (ports belong to one workload).
                if (selector.Key is null || labels is { Count: 0 })
                {
                    errors.At(portLevel.Key, "portLevelMtls requires a selector with matchLabels (ports belong to one workload); add spec.selector.matchLabels, or move the port settings to a workload policy");
                }

                ports = ReadPorts(portLevel.Value, errors);
            }
        }

        if (header is null)
        {
            return null;
        }

        return new PeerAuthenticationDefinition(
            header.Namespace, header.Name, labels is { Count: > 0 } ? labels : null, mode, ports, header.Location, selectorAt);
    }

    private static Dictionary<int, MtlsMode?> ReadPorts(YamlNode node, ErrorSink errors)
    {
        var ports = new Dictionary<int, MtlsMode?>();
        if (YamlNodes.Mapping(node, "portLevelMtls", errors) is not { } map)
        {
            return ports;
        }

        if (map.Children.Count == 0)
        {
            errors.At(node, "'portLevelMtls' is empty; remove it or list ports (port: {mode: ...})");
            return ports;
        }

        foreach (var (key, value) in map.Children)
        {
            var text = (key as YamlScalarNode)?.Value;
            if (text is null || !text.All(char.IsAsciiDigit) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                errors.At(key, $"portLevelMtls key '{text}' must be a port number from 1 to 65535");
                continue;
            }

            var mode = ReadMtls(value, $"portLevelMtls {port}", errors, AuthnFieldSets.PortMtls);
            if (!ports.TryAdd(port, mode))
            {
                errors.At(key, $"port {port} appears twice in portLevelMtls; keep one");
            }
        }

        return ports;
    }

    /// <summary>Reads <c>{mode: ...}</c>; an empty mapping or a missing mode is UNSET (null).</summary>
    private static MtlsMode? ReadMtls(YamlNode node, string field, ErrorSink errors, FieldSet? fieldSet = null)
    {
        if (YamlNodes.Mapping(node, field, errors) is not { } map)
        {
            return null;
        }

        var fields = YamlNodes.Fields(map, fieldSet ?? AuthnFieldSets.Mtls, errors);
        return fields.TryGetValue("mode", out var mode) ? ReadMode(mode.Value, errors) : null;
    }

    private static MtlsMode? ReadMode(YamlNode node, ErrorSink errors)
    {
        var text = YamlNodes.Text(node, "mode", errors);
        switch (text)
        {
            case null or "UNSET":
                return null;
            case "STRICT":
                return MtlsMode.Strict;
            case "PERMISSIVE":
                return MtlsMode.Permissive;
            case "DISABLE":
                return MtlsMode.Disable;
            default:
                var upper = text.ToUpperInvariant();
                errors.At(node, upper is "STRICT" or "PERMISSIVE" or "DISABLE" or "UNSET"
                    ? $"unknown mTLS mode '{text}'; did you mean '{upper}'? (modes are case-sensitive)"
                    : $"unknown mTLS mode '{text}'; expected STRICT, PERMISSIVE, DISABLE or UNSET");
                return null;
        }
    }
}
