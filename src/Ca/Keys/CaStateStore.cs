using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Ca;

/// <summary>
/// The key material of a CA that keeps its own root and intermediate in <c>stateDir</c>: creates
/// it on first start, performs rotation steps on disk, and turns a journal into a snapshot.
/// Callers that change the journal hold <see cref="JournalLock"/>.
/// </summary>
internal sealed partial class CaStateStore
{
    internal const string RootStem = "root";
    internal const string IntermediateStem = "intermediate";
    internal const string BundleFileName = "trust-bundle.pem";

    private readonly CaOptions _options;
    private readonly string? _passphrase;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal CaStateStore(CaOptions options, string? passphrase, TimeProvider time, ILogger logger)
    {
        _options = options;
        _passphrase = passphrase;
        _time = time;
        _logger = logger;
    }

    internal string StateDir => _options.StateDir;

    internal string BundlePath => Path.Combine(StateDir, BundleFileName);

    /// <summary>
    /// Returns the journal, creating the state on first start: a root and an intermediate, or an
    /// intermediate for a root left by an older version (root-key.pem + root-cert.pem, no journal).
    /// </summary>
    internal CaJournal Initialize()
    {
        Directory.CreateDirectory(StateDir);
        if (JournalFile.TryRead(StateDir) is { } existing)
        {
            return existing;
        }

        var root = Files(RootStem);
        var rootFiles = (File.Exists(Full(root.Key)), File.Exists(Full(root.Cert))) switch
        {
            (true, true) => root,
            (false, false) => CreateRoot(RootStem, generation: null),
            // Never regenerate over half a state dir: a new root would silently invalidate every
            // SVID and bundle in the mesh. An operator must decide.
            _ => throw new CaKeyException(
                $"{StateDir} holds only one of {root.Key} and {root.Cert}; restore the missing file or remove both to create a new root"),
        };

        using var rootCert = LoadPair(rootFiles);
        var journal = new CaJournal(CaJournal.CurrentVersion, rootFiles, CreateIntermediate(IntermediateStem, rootCert, "1"));
        JournalFile.Write(StateDir, journal);
        return journal;
    }

    /// <summary>An expired intermediate can vouch for nothing, so replacing it at once is safe (the bundle is unchanged).</summary>
    internal (CaJournal Journal, IReadOnlyList<string> Obsolete) RenewIfExpired(CaJournal journal)
    {
        var now = _time.GetUtcNow();
        using var current = X509Certificate2.CreateFromPem(File.ReadAllText(Full(journal.Intermediate.Cert)));
        if (journal.Rotation is not null || now < Utc(current.NotAfter))
        {
            return (journal, []);
        }

        using var root = LoadPair(journal.Root);
        var (stem, generation) = NewStem(IntermediateStem);
        var renewed = journal with { Intermediate = CreateIntermediate(stem, root, generation) };
        LogIntermediateRenewed(_logger, current.Thumbprint, Utc(current.NotAfter));
        return (renewed, [journal.Intermediate.Cert, journal.Intermediate.Key]);
    }

    /// <summary>Does the file work of one step and returns the journal to write, plus files to delete once it is written.</summary>
    internal (CaJournal Journal, IReadOnlyList<string> Obsolete) Apply(CaJournal journal, RotationStep step)
    {
        var now = _time.GetUtcNow();
        var rotation = journal.Rotation ?? throw new InvalidOperationException("no rotation in progress");
        switch (step)
        {
            case RotationStep.Prepare when rotation.Kind == RotationKind.Root:
            {
                var (rootStem, generation) = NewStem(RootStem);
                var nextRoot = CreateRoot(rootStem, generation);
                using var nextRootCert = LoadPair(nextRoot);
                var nextIntermediate = CreateIntermediate(NewStem(IntermediateStem).Stem, nextRootCert, generation);
                return (journal with
                {
                    NextRoot = nextRoot,
                    NextIntermediate = nextIntermediate,
                    Rotation = rotation with { Phase = RotationPhase.Prepared, PreparedAt = now },
                }, []);
            }

            case RotationStep.Prepare:
            {
                using var root = LoadPair(journal.Root);
                var (stem, generation) = NewStem(IntermediateStem);
                return (journal with
                {
                    NextIntermediate = CreateIntermediate(stem, root, generation),
                    Rotation = rotation with { Phase = RotationPhase.Prepared, PreparedAt = now },
                }, []);
            }

            case RotationStep.Activate:
                return (journal with
                {
                    Root = journal.NextRoot ?? journal.Root,
                    PreviousRoot = journal.NextRoot is null ? null : journal.Root,
                    Intermediate = journal.NextIntermediate!,
                    PreviousIntermediate = journal.Intermediate,
                    NextRoot = null,
                    NextIntermediate = null,
                    Rotation = rotation with { Phase = RotationPhase.Active, ActivatedAt = now },
                }, []);

            case RotationStep.Retire:
            {
                // Old private keys are deleted, not kept: nothing may be signed with them again.
                var obsolete = new[] { journal.PreviousRoot, journal.PreviousIntermediate }
                    .OfType<KeyPairFiles>()
                    .SelectMany(f => new[] { f.Cert, f.Key })
                    .ToList();
                return (journal with
                {
                    PreviousRoot = null,
                    PreviousIntermediate = null,
                    Rotation = null,
                    LastRotationCompletedAt = now,
                }, obsolete);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "not a step that changes the journal");
        }
    }

    internal void Delete(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            File.Delete(Full(file));
        }
    }

    /// <summary>The snapshot a journal describes: current intermediate signs; the bundle holds every root still trusted.</summary>
    internal CaKeys Load(CaJournal journal)
    {
        var signer = LoadPair(journal.Intermediate);
        var root = LoadCert(journal.Root);
        var roots = new X509Certificate2Collection();
        if (journal.PreviousRoot is { } previous)
        {
            roots.Add(LoadCert(previous));
        }

        roots.Add(root);
        if (journal.NextRoot is { } next)
        {
            roots.Add(LoadCert(next));
        }

        var chain = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(signer.RawData), root };
        return new CaKeys(signer, chain, new TrustBundle(_options.TrustDomain, roots), journal.StateText);
    }

    internal void WriteBundle(CaKeys keys)
    {
        var pem = keys.Bundle.ToPem();
        if (!File.Exists(BundlePath) || File.ReadAllText(BundlePath) != pem)
        {
            AtomicFile.Write(BundlePath, pem);
        }
    }

    internal X509Certificate2 LoadCert(KeyPairFiles files)
    {
        var path = Full(files.Cert);
        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        if (!SvidValidator.TryGetSpiffeId(cert, out var id, out _) || id != _options.TrustDomain.Id)
        {
            cert.Dispose();
            throw new CaKeyException($"{path} is not a CA certificate of trust domain {_options.TrustDomain}; the state dir belongs to another CA");
        }

        return cert;
    }

    /// <summary>The certificate with its private key; the key must match the certificate.</summary>
    internal X509Certificate2 LoadPair(KeyPairFiles files)
    {
        var keyPath = Full(files.Key);
        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(keyPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            LogKeyFileTooOpen(_logger, keyPath);
        }

        using var cert = LoadCert(files);
        using var key = PrivateKeyFile.Read(keyPath, _passphrase);
        if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new CaKeyException($"{keyPath} is not the key of {Full(files.Cert)}");
        }

        return cert.CopyWithPrivateKey(key);
    }

    private KeyPairFiles CreateRoot(string stem, string? generation)
    {
        var files = Files(stem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = RootTemplate.CreateSelfSigned(key, _options.TrustDomain, _time.GetUtcNow(), SerialNumbers.NewPositive128(RandomNumberGenerator.Fill), generation);
        PrivateKeyFile.Write(Full(files.Key), key, _passphrase);
        AtomicFile.Write(Full(files.Cert), CertificatePem.Write(root));
        LogCreated(_logger, "root", root.Subject, root.Thumbprint, root.NotAfter);
        return files;
    }

    private KeyPairFiles CreateIntermediate(string stem, X509Certificate2 root, string generation)
    {
        var files = Files(stem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = IntermediateTemplate.Create(new PublicKey(key), root, _options.TrustDomain, _time.GetUtcNow(),
            _options.IntermediateTtl, SerialNumbers.NewPositive128(RandomNumberGenerator.Fill), generation);
        PrivateKeyFile.Write(Full(files.Key), key, _passphrase);
        AtomicFile.Write(Full(files.Cert), CertificatePem.Write(cert));
        LogCreated(_logger, "intermediate", cert.Subject, cert.Thumbprint, cert.NotAfter);
        return files;
    }

    /// <summary>Unique, sortable names for rotated material; the first root and intermediate keep plain names.</summary>
    private (string Stem, string Generation) NewStem(string kind)
    {
        var generation = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var stem = $"{kind}-{generation}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";
        return (stem, generation);
    }

    private static KeyPairFiles Files(string stem) => new($"{stem}-cert.pem", $"{stem}-key.pem");

    private string Full(string file) => Path.Combine(StateDir, file);

    private static DateTimeOffset Utc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Created CA {Kind} {Subject} ({Thumbprint}), valid until {NotAfter:o}")]
    private static partial void LogCreated(ILogger logger, string kind, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "CA key {Path} is readable or writable by group/others; it should be mode 0600")]
    private static partial void LogKeyFileTooOpen(ILogger logger, string path);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "CA intermediate {Thumbprint} expired at {NotAfter:o}; replaced with a new one under the same root")]
    private static partial void LogIntermediateRenewed(ILogger logger, string thumbprint, DateTimeOffset notAfter);
}
