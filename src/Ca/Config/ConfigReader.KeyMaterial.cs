using YamlDotNet.RepresentationModel;

namespace Mesh.Ca;

/// <summary>The key-material part of ca.yaml: pluginCerts, keyPassphrase, intermediateTtl, rotation.</summary>
internal sealed partial class ConfigReader
{
    private static readonly HashSet<string> PassphraseKeys = ["file", "env"];
    private static readonly HashSet<string> RotationKeys = ["publishBeforeActivate", "pollInterval", "drive"];

    private KeyMaterialSettings ReadKeyMaterial(YamlMappingNode root, TimeSpan maxTtl)
    {
        var plugin = Scalar(root, "pluginCerts", required: false) is { } p ? ResolvePath(p) : null;
        var intermediateTtl = Duration(root, "intermediateTtl", IntermediateTemplate.DefaultLifetime);
        if (intermediateTtl <= maxTtl)
        {
            Error(root, $"intermediateTtl ({intermediateTtl}) must be longer than maxTtl ({maxTtl}), or leaves would be cut short by their issuer");
        }

        return new KeyMaterialSettings(plugin, ReadPassphrase(root), intermediateTtl, ReadRotation(root));
    }

    private KeyPassphraseSource? ReadPassphrase(YamlMappingNode root)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("keyPassphrase"), out var node))
        {
            return null;
        }

        if (node is not YamlMappingNode map || map.Children.Count != 1)
        {
            Error(node, "keyPassphrase must be {file: <path>} or {env: <VARIABLE>}; the passphrase itself never goes in this file");
            return null;
        }

        CheckKeys(map, PassphraseKeys, "keyPassphrase");
        if (Scalar(map, "file", required: false) is { } file)
        {
            return new KeyPassphraseSource(ResolvePath(file), null);
        }

        return Scalar(map, "env", required: false) is { Value: { } env } ? new KeyPassphraseSource(null, env) : null;
    }

    private CaRotationOptions ReadRotation(YamlMappingNode root)
    {
        var defaults = new CaRotationOptions();
        if (!root.Children.TryGetValue(new YamlScalarNode("rotation"), out var node))
        {
            return defaults;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, "rotation must be a mapping, e.g. {publishBeforeActivate: 1h}");
            return defaults;
        }

        CheckKeys(map, RotationKeys, "rotation");
        var drive = defaults.Drive;
        if (Scalar(map, "drive", required: false) is { } d)
        {
            if (!bool.TryParse(d.Value, out drive))
            {
                Error(d, "rotation.drive must be true or false (false on read-only replicas)");
            }
        }

        return new CaRotationOptions
        {
            PublishBeforeActivate = Duration(map, "publishBeforeActivate", defaults.PublishBeforeActivate),
            PollInterval = Duration(map, "pollInterval", defaults.PollInterval),
            Drive = drive,
        };
    }

    private sealed record KeyMaterialSettings(string? PluginCertsDir, KeyPassphraseSource? Passphrase, TimeSpan IntermediateTtl, CaRotationOptions Rotation)
    {
        internal CaOptions ApplyTo(CaOptions options) => options with
        {
            PluginCertsDir = PluginCertsDir,
            KeyPassphrase = Passphrase,
            IntermediateTtl = IntermediateTtl,
            Rotation = Rotation,
        };
    }
}
