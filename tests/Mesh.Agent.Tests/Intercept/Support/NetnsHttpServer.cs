using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// A minimal HTTP/1.1 server listening inside a topology namespace: every request gets 200 with the same body, and is
/// recorded with the address it came from. Keep-alive works (the client decides when to close); requests with a body
/// are not supported. With a certificate it speaks HTTPS instead, for traffic that is TLS before any mesh touches it.
/// </summary>
internal sealed class NetnsHttpServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _listener;
    private readonly byte[] _response;
    private readonly X509Certificate2? _certificate;
    private readonly ConnectionSet _connections = new();
    private readonly List<ServedRequest> _requests = [];
    private readonly Task _acceptLoop;

    private NetnsHttpServer(Socket listener, string body, X509Certificate2? certificate)
    {
        (_listener, _certificate, Body) = (listener, certificate, body);
        var bytes = Encoding.UTF8.GetBytes(body);
        _response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\n\r\n"), .. bytes];
        _acceptLoop = _connections.AcceptLoopAsync(listener, ServeAsync);
    }

    /// <summary>The body every response carries.</summary>
    public string Body { get; }

    /// <summary>Where it listens, inside its namespace.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>How many requests it has answered.</summary>
    public int RequestCount
    {
        get
        {
            lock (_requests)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>The requests answered so far, in order. A request is recorded before its response is sent.</summary>
    public IReadOnlyList<ServedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Starts listening in <paramref name="ns"/> on <paramref name="port"/>, on all of its addresses unless
    /// <paramref name="address"/> is given. With <paramref name="certificate"/> (which must have its private key) it
    /// serves HTTPS.
    /// </summary>
    public static NetnsHttpServer Start(TopologyNetns ns, int port, string body, IPAddress? address = null, X509Certificate2? certificate = null) =>
        new(NetnsSockets.Listen(ns, address ?? IPAddress.Any, port), body, certificate);

    /// <summary>Stops listening and closes every open connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _connections.CloseAllAsync(_acceptLoop);
    }

    private async Task ServeAsync(Socket client, CancellationToken stop)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        await using Stream stream = _certificate is null ? new NetworkStream(client, ownsSocket: false) : new SslStream(new NetworkStream(client, ownsSocket: false));
        if (stream is SslStream tls)
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop);
            handshake.CancelAfter(TimeSpan.FromSeconds(10));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
        }
        var buffer = new byte[MaxHeaderBytes];
        var filled = 0;
        // Bounded: each pass answers a request or reads more bytes; idle connections end after IdleTimeout.
        while (!stop.IsCancellationRequested)
        {
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
                lock (_requests)
                {
                    _requests.Add(new ServedRequest(remote, head[0], head[1..]));
                }
                await stream.WriteAsync(_response, stop);
                filled -= end + 4;
                buffer.AsSpan(end + 4, filled).CopyTo(buffer);
                if (head.Skip(1).Any(h => h.Equals("Connection: close", StringComparison.OrdinalIgnoreCase)))
                {
                    return;
                }
                continue;
            }
            if (filled == buffer.Length)
            {
                return; // headers too large: not a client these tests use
            }
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
            idle.CancelAfter(IdleTimeout);
            var n = await stream.ReadAsync(buffer.AsMemory(filled), idle.Token);
            if (n == 0)
            {
                return;
            }
            filled += n;
        }
    }
}
