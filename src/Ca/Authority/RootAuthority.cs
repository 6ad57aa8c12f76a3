using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>
/// The CA's root key and certificate on disk: created once, reused on every restart so the
/// trust bundle agents hold stays valid.
/// </summary>
internal sealed partial class RootAuthority : IDisposable
{
    internal const string KeyFileName = "root-key.pem";
    internal const string CertFileName = "root-cert.pem";
    internal const string BundleFileName = "trust-bundle.pem";

    private RootAuthority(X509Certificate2 certificate, TrustBundle bundle, string bundlePath)
    {
        Certificate = certificate;
        Bundle = bundle;
        BundlePath = bundlePath;
    }

    /// <summary>The root, with its private key.</summary>
    internal X509Certificate2 Certificate { get; }

    internal TrustBundle Bundle { get; }

    internal string BundlePath { get; }

    internal static RootAuthority LoadOrCreate(CaOptions options, TimeProvider time, ILogger logger)
    {
        Directory.CreateDirectory(options.StateDir);
        var keyPath = Path.Combine(options.StateDir, KeyFileName);
        var certPath = Path.Combine(options.StateDir, CertFileName);

        var certificate = (File.Exists(keyPath), File.Exists(certPath)) switch
        {
            (true, true) => Load(keyPath, certPath, options.TrustDomain, logger),
            (false, false) => Create(keyPath, certPath, options.TrustDomain, time, logger),
            // Never regenerate over half a state dir: a new root would silently invalidate every
            // SVID and bundle in the mesh. An operator must decide.
            _ => throw new InvalidOperationException(
                $"{options.StateDir} holds only one of {KeyFileName} and {CertFileName}; restore the missing file or remove both to create a new root"),
        };

        var bundle = new TrustBundle(options.TrustDomain, [X509CertificateLoader.LoadCertificate(certificate.RawData)]);
        var bundlePath = Path.Combine(options.StateDir, BundleFileName);
        WriteAtomically(bundlePath, bundle.ToPem());
        return new RootAuthority(certificate, bundle, bundlePath);
    }

    public void Dispose() => Certificate.Dispose();

    private static X509Certificate2 Load(string keyPath, string certPath, TrustDomain td, ILogger logger)
    {
        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(keyPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            LogKeyFileTooOpen(logger, keyPath);
        }

        var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        if (!SvidValidator.TryGetSpiffeId(certificate, out var id, out _) || id != td.Id)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{certPath} is not the root of trust domain {td}; the state dir belongs to another CA");
        }

        LogRootLoaded(logger, certificate.Thumbprint, certificate.NotAfter);
        return certificate;
    }

    private static X509Certificate2 Create(string keyPath, string certPath, TrustDomain td, TimeProvider time, ILogger logger)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = RootTemplate.CreateSelfSigned(key, td, time.GetUtcNow(), SerialNumbers.NewPositive128(RandomNumberGenerator.Fill));

        // The mode is set by open(2) itself: creating then chmod-ing would leave a window in
        // which the key is readable by others. CreateNew also refuses to follow a planted file.
        var keyFile = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            keyFile.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(keyPath, keyFile))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
            writer.Write('\n');
        }

        WriteAtomically(certPath, CertificatePem.Write(root));
        LogRootCreated(logger, root.Thumbprint, root.NotAfter);
        return root.CopyWithPrivateKey(key);
    }

    private static void WriteAtomically(string path, string contents)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, contents);
        File.Move(temp, path, overwrite: true);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Created CA root {Thumbprint}, valid until {NotAfter:o}")]
    private static partial void LogRootCreated(ILogger logger, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Loaded CA root {Thumbprint}, valid until {NotAfter:o}")]
    private static partial void LogRootLoaded(ILogger logger, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "CA root key {Path} is readable or writable by group/others; it should be mode 0600")]
    private static partial void LogKeyFileTooOpen(ILogger logger, string path);
}
