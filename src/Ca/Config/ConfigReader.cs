using System.Net;
using Mesh.Identity;
using YamlDotNet.RepresentationModel;

namespace Mesh.Ca;

/// <summary>Walks the YAML tree into <see cref="CaOptions"/>, collecting errors instead of stopping at the first.</summary>
internal sealed partial class ConfigReader(string file, string baseDir)
{
    private static readonly HashSet<string> TopKeys =
    [
        "trustDomain", "stateDir", "listen", "defaultTtl", "maxTtl", "nodeTtl", "maxJwtTtl", "auditLog", "registry", "auth",
        "pluginCerts", "keyPassphrase", "intermediateTtl", "rotation",
    ];
    private static readonly HashSet<string> AuthKeys = ["kubernetes"];
    private static readonly HashSet<string> KubernetesKeys = ["issuer", "jwksFile", "audience", "agentServiceAccounts", "clockSkew"];

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
        var nodeTtl = Duration(root, "nodeTtl", TimeSpan.FromHours(24));
        var maxJwtTtl = Duration(root, "maxJwtTtl", TimeSpan.FromHours(1));
        var auditLog = Scalar(root, "auditLog", required: false) is { } a ? ResolvePath(a) : null;
        if (defaultTtl > maxTtl)
        {
            Error(root, $"defaultTtl ({defaultTtl}) is longer than maxTtl ({maxTtl}); lower defaultTtl or raise maxTtl");
        }

        var registry = Scalar(root, "registry", required: false) is { } r ? ResolvePath(r) : null;
        if (registry is not null && !File.Exists(registry))
        {
            Error(root.Children[new YamlScalarNode("registry")], $"workload registry {registry} does not exist");
        }
        var kubernetes = ReadAuth(root);
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
                NodeTtl = nodeTtl,
                MaxJwtTtl = maxJwtTtl,
                AuditLogPath = auditLog,
                WorkloadRegistryPath = registry,
                Kubernetes = kubernetes,
            });
    }

    private KubernetesAuthOptions? ReadAuth(YamlMappingNode root)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("auth"), out var authNode))
        {
            return null;
        }
        if (authNode is not YamlMappingNode auth)
        {
            Error(authNode, "'auth' must be a mapping (kubernetes: ...)");
            return null;
        }
        CheckKeys(auth, AuthKeys, "auth");
        if (!auth.Children.TryGetValue(new YamlScalarNode("kubernetes"), out var k8sNode))
        {
            return null;
        }
        if (k8sNode is not YamlMappingNode k8s)
        {
            Error(k8sNode, "'auth.kubernetes' must be a mapping with issuer and jwksFile");
            return null;
        }
        CheckKeys(k8s, KubernetesKeys, "auth.kubernetes");
        var issuer = Scalar(k8s, "issuer", required: true)?.Value;
        var jwksNode = Scalar(k8s, "jwksFile", required: true);
        string? jwks = null;
        if (jwksNode is not null)
        {
            var path = ResolvePath(jwksNode);
            try
            {
                jwks = File.ReadAllText(path);
                var set = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(jwks);
                if (set.GetSigningKeys().Count == 0)
                {
                    Error(jwksNode, $"{path} holds no usable RSA or EC signing key");
                    jwks = null;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Text.Json.JsonException)
            {
                Error(jwksNode, $"cannot read the cluster JWKS {path}: {e.Message}");
                jwks = null;
            }
        }
        var audience = Scalar(k8s, "audience", required: false)?.Value ?? "mesh-ca";
        var skew = Duration(k8s, "clockSkew", TimeSpan.FromSeconds(30));
        var accounts = new List<string>();
        if (k8s.Children.TryGetValue(new YamlScalarNode("agentServiceAccounts"), out var accountsNode))
        {
            if (accountsNode is YamlSequenceNode seq)
            {
                foreach (var item in seq)
                {
                    if (item is YamlScalarNode { Value: { } v } && v.Split('/') is [{ Length: > 0 }, { Length: > 0 }])
                    {
                        accounts.Add(v);
                    }
                    else
                    {
                        Error(item, "each agent service account is written namespace/name, e.g. mesh-system/mesh-agent");
                    }
                }
            }
            else
            {
                Error(accountsNode, "'agentServiceAccounts' must be a list of namespace/name");
            }
        }
        return issuer is null || jwks is null
            ? null
            : new KubernetesAuthOptions
            {
                Issuer = issuer,
                JwksJson = jwks,
                Audience = audience,
                AgentServiceAccounts = accounts.Count > 0 ? accounts : ["mesh-system/mesh-agent"],
                ClockSkew = skew,
            };
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

}
