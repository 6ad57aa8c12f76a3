using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Identity.CaApi;

namespace Mesh.Identity;

/// <summary>
/// Asks the mesh CA for X.509-SVIDs over gRPC on TLS 1.3. The CA is authenticated as a SPIFFE
/// peer of <see cref="CaClientOptions.CaTrust"/>; we authenticate with the node certificate or a bearer token.
/// </summary>
public sealed partial class CaClient : IDisposable
{
    private readonly CaClientOptions _options;
    private readonly GrpcChannel _channel;
    private readonly CertificateAuthority.CertificateAuthorityClient _client;

    // Written by the TLS callback, read when the call fails, so the error says why the CA's
    // certificate was refused instead of a bare "SSL connection could not be established".
    private volatile string? _lastServerRejection;

    public CaClient(CaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(options.Address.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("the CA address must be https", nameof(options));
        }

        _options = options;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = VerifyCaCertificate,
                ClientCertificateContext = options.ClientCertificate,
            },
            ConnectTimeout = options.CallTimeout,
        };
        _channel = GrpcChannel.ForAddress(options.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _client = new CertificateAuthority.CertificateAuthorityClient(_channel);
    }

    /// <summary>
    /// Generates a fresh P-256 key, sends a CSR for it, and returns the verified SVID with the key
    /// attached. A key is never reused across calls, so a leaked old SVID cannot sign for a new one.
    /// </summary>
    /// <exception cref="CaClientException">The CA refused (with its reason), was unreachable, or returned a bad SVID.</exception>
    public async Task<IssuedSvid> RequestSvidAsync(SpiffeId id, CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return await RequestSvidAsync(id, key, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="RequestSvidAsync(SpiffeId, CancellationToken)"/> with a key the caller keeps: a node retrying
    /// its bootstrap must present the same key, because the CA binds a one-time token to the first key it sees.
    /// </summary>
    public async Task<IssuedSvid> RequestSvidAsync(SpiffeId id, ECDsa key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(key);
        var request = new CreateCertificateRequest
        {
            Csr = CsrFactory.Create(key, id),
            Identity = id.ToString(),
            RequestedTtlSeconds = (long)(_options.RequestedTtl?.TotalSeconds ?? 0),
        };
        var headers = new Metadata();
        if (_options.BearerToken is { } token)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        _lastServerRejection = null;
        CreateCertificateResponse response;
        try
        {
            response = await _client.CreateCertificateAsync(request, headers, DateTime.UtcNow + _options.CallTimeout, ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            var rejection = _lastServerRejection;
            // A refused handshake surfaces as Unavailable or Internal depending on the transport.
            var reason = ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal && rejection is not null
                ? $"CA server certificate rejected: {rejection}"
                : ex.Status.Detail;
            throw new CaClientException(ex.StatusCode, reason, ex);
        }

        var (leaf, intermediates, bundle) = SvidResponseCheck.Check(
            response, id, key.ExportSubjectPublicKeyInfo(), _options.CurrentCaTrust, DateTimeOffset.UtcNow);
        using (leaf)
        {
            return new IssuedSvid(id, leaf.CopyWithPrivateKey(key), intermediates, bundle);
        }
    }

    /// <summary>
    /// The CA's current trust bundle and rotation state. During a root rotation the bundle holds
    /// the old and the new root; agents poll this so they trust the new root before it signs.
    /// The CA itself is still verified against <see cref="CaClientOptions.CaTrust"/>.
    /// </summary>
    /// <exception cref="CaClientException">The CA was unreachable or returned unparsable certificates.</exception>
    public async Task<(TrustBundle Bundle, string RotationState)> GetTrustBundleAsync(CancellationToken ct)
    {
        _lastServerRejection = null;
        GetTrustBundleResponse response;
        try
        {
            response = await _client.GetTrustBundleAsync(new GetTrustBundleRequest(), deadline: DateTime.UtcNow + _options.CallTimeout, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            var rejection = _lastServerRejection;
            throw new CaClientException(ex.StatusCode, rejection is null ? ex.Status.Detail : $"CA server certificate rejected: {rejection}", ex);
        }

        try
        {
            var bundle = TrustBundle.FromPem(_options.CurrentCaTrust.TrustDomain, string.Concat(response.TrustBundle));
            return bundle.Roots.Count > 0
                ? (bundle, response.RotationState)
                : throw new CaClientException("CA returned an empty trust bundle");
        }
        catch (FormatException ex)
        {
            throw new CaClientException($"CA returned an unparsable trust bundle: {ex.Message}", ex);
        }
    }

    public void Dispose() => _channel.Dispose();

    private bool VerifyCaCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // Name and system-trust errors are deliberately ignored: the CA is identified by its
        // SPIFFE ID under our own bundle, not by DNS name under the web PKI.
        if (certificate is null)
        {
            _lastServerRejection = "CA presented no certificate";
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var verdict = SvidValidator.VerifyPeer(leaf, chain?.ChainPolicy.ExtraStore, _options.CurrentCaTrust);
        _lastServerRejection = verdict switch
        {
            { Ok: false } => verdict.Failure,
            _ when _options.ExpectedCaId is not null && verdict.Id != _options.ExpectedCaId =>
                $"CA identity is {verdict.Id}, expected {_options.ExpectedCaId}",
            _ => null,
        };
        return _lastServerRejection is null;
    }
}
