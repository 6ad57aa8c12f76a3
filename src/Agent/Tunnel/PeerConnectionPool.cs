using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Mesh.Agent.Identity;
using Mesh.Agent.Telemetry;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// Pooled, multiplexed mTLS connections to peer agents: one HTTP/2 connection per <see cref="PeerKey"/> carries every
/// request and TCP stream for that key, so a new app connection costs a new HTTP/2 stream, not a new handshake.
/// HttpClient's HTTP/2 pool does the multiplexing; this class owns the TLS handshake (in ConnectCallback) so that
/// the client certificate is the source workload's current SVID and the server must present the expected SPIFFE ID.
/// </summary>
public sealed partial class PeerConnectionPool(CredentialStore credentials, AgentMetrics metrics, TimeProvider time, ILogger<PeerConnectionPool> logger) : IDisposable
{
    private readonly ConcurrentDictionary<PeerKey, HttpMessageInvoker> _invokers = new();

    /// <summary>The invoker for a peer; requests sent through it must use <see cref="RequestUri"/>, HTTP/2, exact version.</summary>
    public HttpMessageInvoker Get(PeerKey key) => _invokers.GetOrAdd(key, Create);

    public static Uri RequestUri { get; } = new($"http://{TunnelProtocol.PeerAuthority}/");

    private HttpMessageInvoker Create(PeerKey key)
    {
        var handler = new SocketsHttpHandler
        {
            // TLS is done in ConnectCallback; the URI scheme is http so that HttpClient speaks h2 directly over our SslStream.
            ConnectCallback = (_, ct) => ConnectAsync(key, ct),
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            InitialHttp2StreamWindowSize = 1024 * 1024,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private async ValueTask<Stream> ConnectAsync(PeerKey key, CancellationToken ct)
    {
        if (!credentials.TryGet(key.Source, out var own))
        {
            metrics.OutboundHandshakeFailed();
            // Fail closed: without our own SVID there is no mTLS, and there is no plaintext fallback.
            throw new PeerConnectException($"no valid certificate for {key.Source} yet");
        }
        var socket = new Socket(key.Agent.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(key.Agent, ct).ConfigureAwait(false);
            var network = new NetworkStream(socket, ownsSocket: true);
            string? failure = null;
            var ssl = new SslStream(network, leaveInnerStreamOpen: false);
            stream = ssl;
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = SniNames.For(key.Destination),
                EnabledSslProtocols = MeshTls.Protocols,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                ClientCertificateContext = own.Context,
                AllowTlsResume = false,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, chain, _) =>
                {
                    var result = MeshTls.VerifyPeer(cert, chain, credentials.Bundle, time.GetUtcNow());
                    if (!result.Ok)
                    {
                        failure = result.Failure;
                        return false;
                    }
                    if (!key.Destination.Equals(result.Id))
                    {
                        failure = $"peer presented {result.Id}, expected {key.Destination}";
                        return false;
                    }
                    return true;
                },
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(MeshTls.HandshakeTimeout);
            try
            {
                await ssl.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                throw new PeerConnectException($"mTLS handshake with {key.Agent} for {key.Destination} failed: {failure ?? e.Message}", e);
            }
            metrics.OutboundHandshake();
            LogConnected(logger, key.Agent.ToString(), key.Destination.ToString(), key.Source.ToString());
            return ssl;
        }
        catch (Exception e)
        {
            metrics.OutboundHandshakeFailed();
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
            LogConnectFailed(logger, key.Agent.ToString(), key.Destination.ToString(), e.Message);
            throw e as PeerConnectException ?? new PeerConnectException($"cannot reach agent {key.Agent}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }
        _invokers.Clear();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "mTLS connection to agent {Agent} established for {Destination} as {Source}")]
    private static partial void LogConnected(ILogger logger, string agent, string destination, string source);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Cannot connect to agent {Agent} for {Destination}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string agent, string destination, string reason);
}

/// <summary>The tunnel to a peer agent could not be set up; the message says why.</summary>
public sealed class PeerConnectException(string message, Exception? inner = null) : Exception(message, inner);
