using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Loading;

/// <summary>Reads one YAML document into a policy definition by its kind, or reports why it cannot.</summary>
internal static class DocumentReader
{
    private const string Kind = "AuthorizationPolicy";
    private const string DryRunAnnotation = "istio.io/dry-run";
    private static readonly string[] Kinds = [Kind, PeerAuthenticationReader.Kind, RequestAuthenticationReader.Kind];
    private static readonly string[] ApiVersions = ["security.istio.io/v1", "security.istio.io/v1beta1"];

    /// <returns>
    /// The AuthorizationPolicy, or null when the document had errors (all of them reported) or is of another
    /// kind: PeerAuthentication and RequestAuthentication go to <paramref name="authn"/>.
    /// </returns>
    public static PolicyDefinition? Read(YamlNode root, ErrorSink errors, AuthnDefinitions authn)
    {
        if (root is not YamlMappingNode map)
        {
            errors.At(root, $"a policy document must be a mapping with apiVersion, kind, metadata and spec");
            return null;
        }

        var before = errors.Count;
        var kind = ReadKind(map, errors);
        if (kind is null)
        {
            return null;
        }

        var fields = YamlNodes.Fields(map, FieldSet.Document, errors);
        var (name, ns, dryRun) = fields.TryGetValue("metadata", out var metadata)
            ? ReadMetadata(metadata.Value, errors)
            : Missing(map, "metadata", errors);
        var header = name is null || ns is null ? null : new DocumentHeader(ns, name, errors.Locate(metadata.Value));
        switch (kind)
        {
            case PeerAuthenticationReader.Kind:
                var peer = PeerAuthenticationReader.Read(fields.GetValueOrDefault("spec").Value, header, errors);
                if (peer is not null && errors.Count == before)
                {
                    authn.Peer.Add(peer);
                }

                return null;
            case RequestAuthenticationReader.Kind:
                var request = RequestAuthenticationReader.Read(fields.GetValueOrDefault("spec").Value, header, errors);
                if (request is not null && errors.Count == before)
                {
                    authn.Request.Add(request);
                }

                return null;
        }

        var spec = fields.TryGetValue("spec", out var specNode) ? SpecReader.Read(specNode.Value, ns ?? "", errors) : SpecReader.AllowNothing;

        if (errors.Count > before || name is null || ns is null)
        {
            return null;
        }

        return new PolicyDefinition(ns, name, spec.Action, dryRun, spec.MatchLabels, spec.Rules, errors.Locate(metadata.Value));
    }

    /// <summary>Checks kind and apiVersion first: the fields of other kinds mean nothing to these readers.</summary>
    /// <returns>The supported kind, or null (reported).</returns>
    private static string? ReadKind(YamlMappingNode map, ErrorSink errors)
    {
        var kindNode = Child(map, "kind");
        var kind = kindNode is null ? null : YamlNodes.Text(kindNode, "kind", errors);
        if (kindNode is null)
        {
            errors.At(map, $"missing 'kind'; expected 'kind: {Kind}'");
            return null;
        }

        if (kind is null)
        {
            return null;
        }

        if (!Kinds.Contains(kind))
        {
            errors.At(kindNode, $"kind {kind} is not supported yet; supported kinds: {string.Join(", ", Kinds)}");
            return null;
        }

        var versionNode = Child(map, "apiVersion");
        if (versionNode is null)
        {
            errors.At(map, $"missing 'apiVersion'; expected 'apiVersion: {ApiVersions[0]}'");
            return null;
        }

        var version = YamlNodes.Text(versionNode, "apiVersion", errors);
        if (version is not null && !ApiVersions.Contains(version))
        {
            errors.At(versionNode, $"apiVersion '{version}' is not supported for {kind}; use {ApiVersions[0]} or {ApiVersions[1]}");
        }

        return version is null ? null : kind;
    }

    private static (string? Name, string? Namespace, bool DryRun) ReadMetadata(YamlNode node, ErrorSink errors)
    {
        if (YamlNodes.Mapping(node, "metadata", errors) is not { } map)
        {
            return (null, null, false);
        }

        var fields = YamlNodes.Fields(map, FieldSet.Metadata, errors);
        var name = fields.TryGetValue("name", out var n) ? YamlNodes.Text(n.Value, "metadata.name", errors) : Missing(map, "metadata.name", errors).Name;
        var ns = fields.TryGetValue("namespace", out var s)
            ? YamlNodes.Text(s.Value, "metadata.namespace", errors)
            : Missing(map, "metadata.namespace", errors, "; policies without a namespace would silently land in 'default'").Name;
        var dryRun = fields.TryGetValue("annotations", out var annotations) && ReadDryRun(annotations.Value, errors);
        return (name, ns, dryRun);
    }

    /// <summary>
    /// Annotations are ignored except istio.io/dry-run, which Istio reads with Go's strconv.ParseBool. Any
    /// other value is refused rather than guessed: read as false it would enforce a policy its author only
    /// meant to observe (a dry-run "allow all" would open the workload).
    /// </summary>
    private static bool ReadDryRun(YamlNode node, ErrorSink errors)
    {
        if (YamlNodes.Mapping(node, "metadata.annotations", errors) is not { } map
            || !map.Children.TryGetValue(new YamlScalarNode(DryRunAnnotation), out var value))
        {
            return false;
        }

        switch ((value as YamlScalarNode)?.Value)
        {
            case "true" or "True" or "TRUE" or "t" or "T" or "1":
                return true;
            case "false" or "False" or "FALSE" or "f" or "F" or "0":
                return false;
            default:
                errors.At(value, $"annotation '{DryRunAnnotation}' must be \"true\" or \"false\"");
                return false;
        }
    }

    private static (string? Name, string? Namespace, bool DryRun) Missing(YamlMappingNode parent, string field, ErrorSink errors, string why = "")
    {
        errors.At(parent, $"missing '{field}'{why}");
        return (null, null, false);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}
