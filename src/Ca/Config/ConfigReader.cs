using System.Net;
using System.Text.RegularExpressions;
using Mesh.Identity;
using YamlDotNet.RepresentationModel;

namespace Mesh.Ca;

/// <summary>Walks the YAML tree into <see cref="CaOptions"/>, collecting errors instead of stopping at the first.</summary>
internal sealed partial class ConfigReader(string file, string baseDir)
{
    private static readonly HashSet<string> TopKeys = ["trustDomain", "stateDir", "listen", "defaultTtl", "maxTtl", "auditLog", "nodes", "pluginCerts", "keyPassphrase", "intermediateTtl", "rotation"];
    private static readonly HashSet<string> NodeKeys = ["node", "tokenSha256", "identities"];

    internal List<string> Errors { get; } = [];

    internal CaOptions? Fail(YamlNode? node, string message)
    {
        Error(node, message);
        return null;
    }

    internal CaOptions? Read(YamlMappingNode root)
    {
        CheckKeys(root, TopKeys, "top level");
        var td = Scalar(root, "trustDomain", required: true) is { } tdNode ? ParseTrustDomain(tdNode) : null;
        var stateDir = Scalar(root, "stateDir", required: true) is { } sd ? ResolvePath(sd) : null;
        var listen = Scalar(root, "listen", required: false) is { } l ? ParseEndPoint(l) : new IPEndPoint(IPAddress.Loopback, 0);
        var defaultTtl = Duration(root, "defaultTtl", TimeSpan.FromHours(1));
        var maxTtl = Duration(root, "maxTtl", TimeSpan.FromHours(24));
        var auditLog = Scalar(root, "auditLog", required: false) is { } a ? ResolvePath(a) : null;
        if (defaultTtl > maxTtl)
        {
            Error(root, $"defaultTtl ({defaultTtl}) is longer than maxTtl ({maxTtl}); lower defaultTtl or raise maxTtl");
        }

        var nodes = ReadNodes(root, td);
        var keyMaterial = ReadKeyMaterial(root, maxTtl);
        return td is null || stateDir is null || listen is null
            ? null
            : keyMaterial.ApplyTo(new CaOptions
            {
                TrustDomain = td,
                StateDir = stateDir,
                Listen = listen,
                DefaultTtl = defaultTtl,
                MaxTtl = maxTtl,
                AuditLogPath = auditLog,
                Nodes = nodes,
            });
    }

    private List<CaNodeGrant> ReadNodes(YamlMappingNode root, TrustDomain? td)
    {
        var grants = new List<CaNodeGrant>();
        if (!root.Children.TryGetValue(new YamlScalarNode("nodes"), out var nodesNode))
        {
            Error(root, "missing 'nodes': list the nodes allowed to request SVIDs (node, tokenSha256, identities)");
            return grants;
        }

        if (nodesNode is not YamlSequenceNode list)
        {
            Error(nodesNode, "'nodes' must be a list of mappings");
            return grants;
        }

        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        var seenHashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list)
        {
            if (item is not YamlMappingNode map)
            {
                Error(item, "each node must be a mapping with node, tokenSha256 and identities");
                continue;
            }

            CheckKeys(map, NodeKeys, "node entry");
            var name = Scalar(map, "node", required: true)?.Value;
            if (name is not null && !seenNames.Add(name))
            {
                Error(map, $"node '{name}' is listed twice; merge its identities into one entry");
            }

            var hashNode = Scalar(map, "tokenSha256", required: true);
            var hash = hashNode?.Value;
            if (hashNode is not null && (hash is null || !Sha256Hex().IsMatch(hash)))
            {
                Error(hashNode, "tokenSha256 must be 64 hex characters: the output of BootstrapTokens.Hash(token)");
                hash = null;
            }
            else if (hash is not null && !seenHashes.Add(hash))
            {
                Error(hashNode, "this token hash is already used by another node; give each node its own token");
            }

            var identities = ReadIdentities(map, td);
            if (name is not null && hash is not null)
            {
                grants.Add(new CaNodeGrant(name, hash.ToLowerInvariant(), identities));
            }
        }

        return grants;
    }

    private List<SpiffeId> ReadIdentities(YamlMappingNode map, TrustDomain? td)
    {
        var ids = new List<SpiffeId>();
        if (!map.Children.TryGetValue(new YamlScalarNode("identities"), out var node) || node is not YamlSequenceNode seq)
        {
            Error(map, "'identities' must be a list of SPIFFE IDs this node may request");
            return ids;
        }

        foreach (var item in seq)
        {
            if (item is not YamlScalarNode { Value: { } text })
            {
                Error(item, "each identity must be a string like spiffe://<trust domain>/ns/<ns>/sa/<sa>");
            }
            else if (!SpiffeId.TryParse(text, out var id, out var error))
            {
                Error(item, $"'{text}' is not a SPIFFE ID: {error}");
            }
            else if (td is not null && id.TrustDomain != td)
            {
                Error(item, $"'{text}' is outside trust domain {td}; this CA only issues for {td}");
            }
            else
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private TrustDomain? ParseTrustDomain(YamlScalarNode node)
    {
        // A bare name only: accepting a full ID here would hide a typo'd path.
        if (node.Value is { } v && !v.Contains(':', StringComparison.Ordinal) && TrustDomain.TryParse(v, out var td, out _))
        {
            return td;
        }

        TrustDomain.TryParse(node.Value ?? string.Empty, out _, out var error);
        Error(node, $"trustDomain '{node.Value}' is invalid ({error ?? "write the bare name, without spiffe://"}); e.g. cluster.local");
        return null;
    }

    private IPEndPoint? ParseEndPoint(YamlScalarNode node)
    {
        if (node.Value is { } v && IPEndPoint.TryParse(v, out var ep) && v.Contains(':', StringComparison.Ordinal))
        {
            return ep;
        }

        Error(node, $"listen '{node.Value}' must be <ip>:<port>, e.g. 127.0.0.1:8443 (port 0 picks a free port)");
        return null;
    }

    private TimeSpan Duration(YamlMappingNode map, string key, TimeSpan fallback)
    {
        var node = Scalar(map, key, required: false);
        if (node is null)
        {
            return fallback;
        }

        if (node.Value is { } v && DurationText.TryParse(v, out var d) && d > TimeSpan.Zero)
        {
            return d;
        }

        Error(node, $"{key} '{node.Value}' must be a positive duration like 90s, 30m, 1h or 7d");
        return fallback;
    }

    private string ResolvePath(YamlScalarNode node) => Path.GetFullPath(Path.Combine(baseDir, node.Value ?? string.Empty));

    private YamlScalarNode? Scalar(YamlMappingNode map, string key, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            if (required)
            {
                Error(map, $"missing '{key}'");
            }

            return null;
        }

        if (node is YamlScalarNode { Value.Length: > 0 } scalar)
        {
            return scalar;
        }

        Error(node, $"'{key}' must be a non-empty string");
        return null;
    }

    private void CheckKeys(YamlMappingNode map, HashSet<string> allowed, string where)
    {
        foreach (var key in map.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } k } || !allowed.Contains(k))
            {
                Error(key, $"unknown key '{key}' in {where}; expected one of: {string.Join(", ", allowed)}");
            }
        }
    }

    private void Error(YamlNode? node, string message) =>
        Errors.Add(node is null ? $"{file}:1:1: {message}" : $"{file}:{node.Start.Line}:{node.Start.Column}: {message}");

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}
