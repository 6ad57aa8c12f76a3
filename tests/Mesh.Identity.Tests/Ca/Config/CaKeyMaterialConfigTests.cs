using Mesh.Ca;

namespace Mesh.Identity.Tests.Ca;

/// <summary>The key-material keys of ca.yaml: pluginCerts, keyPassphrase, intermediateTtl, rotation.</summary>
public sealed class CaKeyMaterialConfigTests
{
    private const string Base = "trustDomain: cluster.local\nstateDir: ./state\n";

    [Fact]
    public void Loads_plugin_dir_passphrase_reference_intermediate_ttl_and_rotation_timings()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, Base + """
            pluginCerts: ./cacerts
            keyPassphrase: {file: ./secret}
            intermediateTtl: 90d
            rotation: {publishBeforeActivate: 10m, pollInterval: 2s, drive: false}
            """);

        var options = CaConfigLoader.Load(path);

        Assert.Equal(dir.File("cacerts"), options.PluginCertsDir);
        Assert.Equal(new KeyPassphraseSource(dir.File("secret"), null), options.KeyPassphrase);
        Assert.Equal(TimeSpan.FromDays(90), options.IntermediateTtl);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Rotation.PublishBeforeActivate);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Rotation.PollInterval);
        Assert.False(options.Rotation.Drive);
    }

    [Fact]
    public void Defaults_without_the_keys()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, Base);

        var options = CaConfigLoader.Load(path);

        Assert.Null(options.PluginCertsDir);
        Assert.Null(options.KeyPassphrase);
        Assert.Equal(TimeSpan.FromDays(365), options.IntermediateTtl);
        Assert.Equal(TimeSpan.FromHours(1), options.Rotation.PublishBeforeActivate);
        Assert.True(options.Rotation.Drive);
    }

    [Fact]
    public void Reports_every_key_material_error()
    {
        using var dir = new TempDir();
        var path = dir.File("ca.yaml");
        File.WriteAllText(path, Base + """
            keyPassphrase: hunter2
            intermediateTtl: 1h
            rotation: {publishBeforeActivate: soon, drive: maybe, jitter: 1s}
            """);

        var ex = Assert.Throws<CaConfigException>(() => CaConfigLoader.Load(path));

        Assert.Contains(ex.Errors, e => e.Contains(":3:16: keyPassphrase must be {file: <path>} or {env: <VARIABLE>}", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("intermediateTtl (01:00:00) must be longer than maxTtl (1.00:00:00)", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("publishBeforeActivate 'soon' must be a positive duration", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("rotation.drive must be true or false", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("unknown key 'jitter' in rotation", StringComparison.Ordinal));
    }
}
