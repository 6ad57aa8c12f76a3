using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>Opens the CA's key material the config asks for: plug-in certs (fixed) or a state dir (with its rotation driver).</summary>
internal sealed record CaKeyMaterial(CaKeyring Keyring, RotationDriver? Driver, string BundlePath)
{
    internal static CaKeyMaterial Open(CaOptions options, TimeProvider time, ILogger logger)
    {
        var passphrase = options.KeyPassphrase?.Resolve();
        var store = new CaStateStore(options, passphrase, time, logger);
        if (options.PluginCertsDir is { } dir)
        {
            var keys = PluginCerts.Load(dir, options.TrustDomain, passphrase, time.GetUtcNow());
            Directory.CreateDirectory(options.StateDir);
            store.WriteBundle(keys);
            return new CaKeyMaterial(new CaKeyring(keys), null, store.BundlePath);
        }

        var driver = RotationDriver.Open(store, options, time, logger);
        return new CaKeyMaterial(driver.Keyring, driver, store.BundlePath);
    }
}
