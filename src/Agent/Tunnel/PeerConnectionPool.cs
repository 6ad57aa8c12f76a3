using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Mesh.Agent.Identity;
using Mesh.Agent.Net;
using Mesh.Agent.Telemetry;
using Mesh.Agent.Tunnel.Mux;
using Microsoft.Extensions.Logging;

namespace Mesh.Agent.Tunnel;

/// <summary>
/// Pooled, multiplexed mTLS connections to peer agents: one <see cref="MuxConnection"/> per <see cref="PeerKey"/>
/// carries every TCP connection and HTTP connection for that key as streams, so a new app connection costs a new
/// stream, not a new handshake. The TLS handshake is ours: the client certificate is the source workload's current
/// SVID, and the server must present exactly the expected SPIFFE ID.
/// </summary>
public sealed partial class PeerConnectionPool(CredentialStore credentials, AgentMetrics metrics, TimeProvider time, TimeSpan openTimeout, ILogger<PeerConnectionPool> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<PeerKey, PeerSlot> _slots = new();
    private readonly ConcurrentDictionary<PeerKey, HttpMessageInvoker> _http = new();

    /// <summary>Opens a stream to the peer, connecting (once, shared by concurrent callers) if needed.</summary>
    internal async Task<(MuxStream Stream, OpenResult Result)> OpenAsync(PeerKey key, OpenRequest request, Func<MuxStream, IMuxSink> createSink, CancellationToken ct)
    {
        var slot = _slots.GetOrAdd(key, static _ => new PeerSlot());
        var connection = await slot.GetAsync(() => ConnectAsync(key), ct).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(openTimeout);
        try
        {
            return await connection.OpenAsync(request, createSink, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // A peer that does not answer an OPEN is gone or stuck: drop the connection so the next caller reconnects.
            LogOpenTimedOut(logger, key.Agent.ToString(), openTimeout);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new PeerConnectException($"agent {key.Agent} did not answer within {openTimeout.TotalSeconds} s");
        }
    }


    /// <summary>
    /// An HTTP client whose connections are streams to the peer: HttpClient pools connections per destination (request
    /// URI http://ip:port of the workload) and each connection is one mux stream, HTTP/1.1 or HTTP/2 (prior knowledge)
    /// as the request's version asks; an HTTP/2 stream carries many requests at once.
    /// </summary>
    public HttpMessageInvoker HttpInvoker(PeerKey key) => _http.GetOrAdd(key, k => new HttpMessageInvoker(new SocketsHttpHandler
    {
        ConnectCallback = (context, ct) => OpenHttpStreamAsync(k, context.DnsEndPoint,
            context.InitialRequestMessage.Version == HttpVersion.Version20 ? StreamProtocol.Http2 : StreamProtocol.Http, ct),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectTimeout = MeshTls.HandshakeTimeout,
    }, disposeHandler: true));

    private async ValueTask<Stream> OpenHttpStreamAsync(PeerKey key, DnsEndPoint target, StreamProtocol protocol, CancellationToken ct)
    {
        var destination = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        var (stream, result) = await OpenAsync(key, new OpenRequest(protocol, destination), s => new MuxStreamAdapter(s), ct).ConfigureAwait(false);
        if (!result.Accepted)
        {
            throw new PeerConnectException($"agent {key.Agent} refused a stream to {destination}: status {result.Status}");
        }
        return (MuxStreamAdapter)stream.Sink!;
    }

    private async Task<MuxConnection> ConnectAsync(PeerKey key)
    {
        if (!credentials.TryGet(key.Source, out var own))
        {
            metrics.OutboundHandshakeFailed();
            // Fail closed: without our own SVID there is no mTLS, and there is no plaintext fallback.
            throw new PeerConnectException($"no valid certificate for {key.Source} yet");
        }
        Socket socket;
        try
        {
            socket = await (key.Via ?? SocketFactory.Host).CreateAsync(key.Agent.AddressFamily).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            metrics.OutboundHandshakeFailed();
            throw new PeerConnectException($"cannot make a socket for agent {key.Agent}: {e.Message}", e);
        }
        TcpKeepAlive.Enable(socket);
        SslStream? tls = null;
        try
        {
            using var timeout = new CancellationTokenSource(MeshTls.HandshakeTimeout);
            await socket.ConnectAsync(key.Agent, timeout.Token).ConfigureAwait(false);
            string? failure = null;
            tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = SniNames.For(key.Destination),
                EnabledSslProtocols = MeshTls.Protocols,
                ApplicationProtocols = [MeshTls.Alpn],
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
            try
            {
                await tls.AuthenticateAsClientAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                throw new PeerConnectException($"mTLS handshake with {key.Agent} for {key.Destination} failed: {failure ?? e.Message}", e);
            }
            if (tls.NegotiatedApplicationProtocol != MeshTls.Alpn)
            {
                throw new PeerConnectException($"agent {key.Agent} does not speak {MeshTls.Alpn}");
            }
            metrics.OutboundHandshake();
            LogConnected(logger, key.Agent.ToString(), key.Destination.ToString(), key.Source.ToString());
            var connection = new MuxConnection(tls, isClient: true);
            connection.Start();
            return connection;
        }
        catch (Exception e)
        {
            metrics.OutboundHandshakeFailed();
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
            LogConnectFailed(logger, key.Agent.ToString(), key.Destination.ToString(), e.Message);
            throw e as PeerConnectException ?? new PeerConnectException($"cannot reach agent {key.Agent}: {e.Message}", e);
        }
    }

    /// <summary>Closes every connection made through <paramref name="via"/> (a pod that left the node); others are untouched.</summary>
    internal async Task DropAsync(SocketFactory via)
    {
        foreach (var key in _http.Keys.Where(k => ReferenceEquals(k.Via, via)).ToList())
        {
            if (_http.TryRemove(key, out var invoker))
            {
                invoker.Dispose();
            }
        }
        foreach (var key in _slots.Keys.Where(k => ReferenceEquals(k.Via, via)).ToList())
        {
            if (_slots.TryRemove(key, out var slot))
            {
                await slot.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var invoker in _http.Values)
        {
            invoker.Dispose();
        }
        _http.Clear();
        foreach (var slot in _slots.Values)
        {
            await slot.DisposeAsync().ConfigureAwait(false);
        }
        _slots.Clear();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "mTLS connection to agent {Agent} established for {Destination} as {Source}")]
    private static partial void LogConnected(ILogger logger, string agent, string destination, string source);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Agent {Agent} did not answer a stream open within {Timeout}; closing that connection")]
    private static partial void LogOpenTimedOut(ILogger logger, string agent, TimeSpan timeout);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Cannot connect to agent {Agent} for {Destination}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string agent, string destination, string reason);
}

/// <summary>The tunnel to a peer agent could not be set up; the message says why.</summary>
public sealed class PeerConnectException(string message, Exception? inner = null) : Exception(message, inner);
