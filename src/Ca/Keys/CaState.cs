using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Ca;

/// <summary>The CLI's view of the CA's key material: create it (`mesh ca init`) and report it (`mesh ca status`).</summary>
public static class CaState
{
    /// <summary>
    /// Creates the state dir (root + intermediate, with the configured passphrase) or validates
    /// plug-in certs, exactly as `mesh ca serve` would at start; an existing state is reused.
    /// </summary>
    /// <exception cref="CaKeyException">The key material is unusable.</exception>
    public static CaStateReport Init(CaOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        // Opening is the check: keys are decrypted and matched to their certificates.
        _ = CaKeyMaterial.Open(options, time, logger ?? NullLogger.Instance);
        return Status(options, time);
    }

    /// <summary>Reads the state without private keys: certificates, fingerprints, rotation phase and when the next one is due.</summary>
    /// <exception cref="CaKeyException">There is no state yet, or it is unreadable.</exception>
    public static CaStateReport Status(CaOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bundlePath = Path.Combine(options.StateDir, CaStateStore.BundleFileName);
        if (options.PluginCertsDir is { } dir)
        {
            var certs = new List<CaCertificateReport>
            {
                Describe("plugin-ca", Path.Combine(dir, PluginCerts.CaCertFile), Path.Combine(dir, PluginCerts.CaKeyFile)),
                Describe("plugin-root", Path.Combine(dir, PluginCerts.RootCertFile), null),
            };
            return new CaStateReport("plugin", options.StateDir, bundlePath, "plugin", null, null, certs);
        }

        var journal = JournalFile.TryRead(options.StateDir)
            ?? throw new CaKeyException($"{options.StateDir} has no CA state ({JournalFile.FileName}); run `mesh ca init --config <ca.yaml>`");
        var reports = new List<CaCertificateReport>();
        void Add(string role, KeyPairFiles? files)
        {
            if (files is not null)
            {
                reports.Add(Describe(role, Path.Combine(options.StateDir, files.Cert), Path.Combine(options.StateDir, files.Key)));
            }
        }

        Add("root", journal.Root);
        Add("intermediate", journal.Intermediate);
        Add("next-root", journal.NextRoot);
        Add("next-intermediate", journal.NextIntermediate);
        Add("previous-root", journal.PreviousRoot);
        Add("previous-intermediate", journal.PreviousIntermediate);
        var due = journal.Rotation is { } r ? RotationPlanner.DueAt(r, options.Rotation.PublishBeforeActivate, options.MaxTtl) : (DateTimeOffset?)null;
        return new CaStateReport("state-dir", options.StateDir, bundlePath, journal.StateText, due, journal.LastRotationCompletedAt, reports);
    }

    private static CaCertificateReport Describe(string role, string certPath, string? keyPath)
    {
        X509Certificate2 cert;
        try
        {
            cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
        }
        catch (Exception e) when (e is IOException or CryptographicException)
        {
            throw new CaKeyException($"cannot read {role} certificate {certPath}: {e.Message}", e);
        }

        using (cert)
        {
            var keyExists = keyPath is not null && File.Exists(keyPath);
            return new CaCertificateReport(role, cert.Subject, Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256)),
                Utc(cert.NotBefore), Utc(cert.NotAfter), certPath, keyExists ? keyPath : null, keyExists && PrivateKeyFile.IsEncrypted(keyPath!));
        }
    }

    private static DateTimeOffset Utc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);
}
