using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Agent.Config;
using Mesh.Identity;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Identity;

/// <summary>
/// The node agent's own identity towards the CA. The first contact presents the bootstrap token (join token or
/// Kubernetes service-account token) and receives the node certificate <c>spiffe://&lt;td&gt;/mesh/node/&lt;node&gt;</c>;
/// every later request, workload SVIDs and the node certificate's own renewal, authenticates with that certificate.
/// The certificate and key are kept in the state directory (0600), so a restart renews instead of spending a new token.
/// </summary>
public sealed partial class NodeIdentity : IDisposable
{
    private const string CredentialFile = "node-credentials.pem";
    private const string BootstrapKeyFile = "bootstrap-key.pem";

    private readonly CaEndpointOptions _ca;
    private readonly SpiffeId _id;
    private readonly Func<TrustBundle> _caTrust;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly double _jitter = Random.Shared.NextDouble() * 2 - 1;
    private Current? _current;

    private sealed record Current(IssuedSvid Svid, CaClient Client, DateTimeOffset RenewAt);

    public NodeIdentity(string node, TrustDomain td, CaEndpointOptions ca, Func<TrustBundle> caTrust, TimeProvider time, ILogger<NodeIdentity> logger)
    {
        _ca = ca;
        _id = NodeIds.For(td, node);
        _caTrust = caTrust;
        _time = time;
        _logger = logger;
        _current = LoadPersisted();
    }

    public SpiffeId Id => _id;

    /// <summary>The node certificate's expiry, or null without one.</summary>
    public DateTimeOffset? NotAfter => Volatile.Read(ref _current)?.Svid.NotAfter;

    /// <summary>A CA client that authenticates as this node, bootstrapping or renewing the node certificate first when due.</summary>
    public async Task<CaClient> ClientAsync(CancellationToken ct)
    {
        var current = Volatile.Read(ref _current);
        var now = _time.GetUtcNow();
        if (current is not null && now < current.RenewAt)
        {
            return current.Client;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            current = _current;
            now = _time.GetUtcNow();
            if (current is not null && now < current.RenewAt)
            {
                return current.Client;
            }
            var valid = current is not null && now < current.Svid.NotAfter;
            try
            {
                var next = valid ? await RenewAsync(current!, ct).ConfigureAwait(false) : await BootstrapAsync(ct).ConfigureAwait(false);
                Install(next);
                return _current!.Client;
            }
            catch (CaClientException e) when (valid)
            {
                // A CA outage: the node certificate is still good, so keep using it and try again next time.
                LogRenewFailed(_logger, _id.ToString(), e.Message, current!.Svid.NotAfter);
                return current.Client;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>When the node certificate is next due; the identity manager wakes then even if no workload certificate is.</summary>
    public TimeSpan RenewIn()
    {
        var current = Volatile.Read(ref _current);
        if (current is null)
        {
            return TimeSpan.Zero;
        }
        var wait = current.RenewAt - _time.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private Current Track(IssuedSvid svid, CaClient client)
    {
        var now = _time.GetUtcNow();
        return new Current(svid, client, now + RenewalSchedule.RenewIn(svid.NotBefore, svid.NotAfter, now, _jitter));
    }

    /// <summary>Keeps the node certificate renewed even when no workload certificate is due; backs off while the CA is down.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await ClientAsync(ct).ConfigureAwait(false);
                var due = RenewIn();
                // Still due after the attempt: the renewal failed and the old certificate was kept.
                (wait, failures) = due > TimeSpan.Zero ? (due, 0) : (RenewalSchedule.Backoff(failures), failures + 1);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = RenewalSchedule.Backoff(failures++);
                LogBootstrapFailed(_logger, _id.ToString(), e.Message, wait);
            }
            try
            {
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<IssuedSvid> RenewAsync(Current current, CancellationToken ct)
    {
        var svid = await current.Client.RequestSvidAsync(_id, ct).ConfigureAwait(false);
        LogRenewed(_logger, _id.ToString(), svid.NotAfter);
        return svid;
    }

    private async Task<IssuedSvid> BootstrapAsync(CancellationToken ct)
    {
        var token = ReadToken();
        // The CA binds a token to the first key it sees; keep the key across retries (and restarts) until it worked.
        using var key = BootstrapKey();
        using var client = NewClient(null, token);
        var svid = await client.RequestSvidAsync(_id, key, ct).ConfigureAwait(false);
        LogBootstrapped(_logger, _id.ToString(), svid.NotAfter);
        if (_ca.StateDir is { } dir)
        {
            File.Delete(Path.Combine(dir, BootstrapKeyFile));
        }
        return svid;
    }

    private void Install(IssuedSvid svid)
    {
        Persist(svid);
        var client = NewClient(svid, null);
        var old = Interlocked.Exchange(ref _current, Track(svid, client));
        // In-flight calls on the old client finish on their HTTP/2 connection; new ones use the new certificate.
        _ = Task.Delay(TimeSpan.FromSeconds(60), _time).ContinueWith(_ => old?.Client.Dispose(), TaskScheduler.Default);
    }

    private CaClient NewClient(IssuedSvid? svid, string? token) => new(new CaClientOptions(_ca.Address, _caTrust())
    {
        CaTrustSource = _caTrust,
        ClientCertificate = svid is null ? null : SslStreamCertificateContext.Create(svid.Leaf, svid.Intermediates, offline: true),
        BearerToken = token,
    });

    private string ReadToken()
    {
        if (_ca.TokenFilePath is { } path)
        {
            try
            {
                var token = File.ReadAllText(path).Trim();
                if (token.Length > 0)
                {
                    return token;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CaClientException(Grpc.Core.StatusCode.Unauthenticated, $"no node certificate and the token file {path} cannot be read: {e.Message}", e);
            }
        }
        return _ca.BootstrapToken;
    }

    private ECDsa BootstrapKey()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (_ca.StateDir is not { } dir)
        {
            return key;
        }
        var path = Path.Combine(dir, BootstrapKeyFile);
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }
        WriteSecret(path, key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    private void Persist(IssuedSvid svid)
    {
        if (_ca.StateDir is not { } dir)
        {
            return;
        }
        using var key = svid.Leaf.GetECDsaPrivateKey() ?? throw new InvalidOperationException("node certificate without an ECDSA key");
        var pem = key.ExportPkcs8PrivateKeyPem() + "\n" + CertificatePem.Write(svid.Leaf)
            + string.Concat(svid.Intermediates.Select(CertificatePem.Write));
        WriteSecret(Path.Combine(dir, CredentialFile), pem);
    }

    private Current? LoadPersisted()
    {
        if (_ca.StateDir is not { } dir || !File.Exists(Path.Combine(dir, CredentialFile)))
        {
            return null;
        }
        var path = Path.Combine(dir, CredentialFile);
        try
        {
            var pem = File.ReadAllText(path);
            var certs = new X509Certificate2Collection();
            certs.ImportFromPem(pem);
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            using var leafOnly = certs[0];
            var leaf = leafOnly.CopyWithPrivateKey(key);
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < certs.Count; i++)
            {
                intermediates.Add(certs[i]);
            }
            var bundle = _caTrust();
            var check = SvidValidator.VerifyPeer(leaf, intermediates, bundle, _time.GetUtcNow());
            if (!check.Ok || check.Id != _id)
            {
                LogPersistedUnusable(_logger, path, check.Failure ?? $"it names {check.Id}");
                leaf.Dispose();
                return null;
            }
            var svid = new IssuedSvid(_id, leaf, intermediates, bundle);
            LogPersistedLoaded(_logger, _id.ToString(), svid.NotAfter);
            return Track(svid, NewClient(svid, null));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or IndexOutOfRangeException)
        {
            LogPersistedUnusable(_logger, path, e.Message);
            return null;
        }
    }

    private static void WriteSecret(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose()
    {
        _current?.Client.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Node certificate {Identity} obtained with the bootstrap token, valid until {NotAfter:O}")]
    private static partial void LogBootstrapped(ILogger logger, string identity, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Node certificate {Identity} renewed, valid until {NotAfter:O}")]
    private static partial void LogRenewed(ILogger logger, string identity, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Node certificate {Identity} not renewed: {Reason}; the current one serves until {NotAfter:O}")]
    private static partial void LogRenewFailed(ILogger logger, string identity, string reason, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 115, Level = LogLevel.Error, Message = "No node certificate for {Identity}: {Reason}. Serving nothing that needs it (fail closed); retrying in {RetryIn}")]
    private static partial void LogBootstrapFailed(ILogger logger, string identity, string reason, TimeSpan retryIn);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Node certificate {Identity} loaded from the state directory, valid until {NotAfter:O}")]
    private static partial void LogPersistedLoaded(ILogger logger, string identity, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Persisted node credentials {Path} not usable ({Reason}); bootstrapping again with the token")]
    private static partial void LogPersistedUnusable(ILogger logger, string path, string reason);
}
