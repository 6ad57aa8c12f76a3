using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Mesh.Agent.Identity;
using Mesh.Agent.Tunnel;
using Mesh.Agent.Tunnel.Mux;
using Mesh.Identity;

namespace Mesh.Agent.Tests.Support;

/// <summary>
/// A client speaking the agent-to-agent protocol with whatever certificate a test gives it, to probe what the
/// serving agent accepts. It does not check the server (that is the client agent's job, tested elsewhere).
/// </summary>
internal sealed class TestPeer : IAsyncDisposable
{
    private readonly MuxConnection _mux;

    private TestPeer(MuxConnection mux) => _mux = mux;

    public static async Task<TestPeer> ConnectAsync(IPEndPoint agent, IssuedSvid svid, SpiffeId server)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(agent);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = SniNames.For(server),
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [MeshTls.Alpn],
            ClientCertificateContext = SslStreamCertificateContext.Create(svid.Leaf, svid.Intermediates, offline: true),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        var mux = new MuxConnection(tls, isClient: true);
        mux.Start();
        return new TestPeer(mux);
    }

    /// <summary>Opens an HTTP stream to <paramref name="destination"/>; if accepted, sends one GET and returns the raw response.</summary>
    public async Task<(OpenResult Result, string? Response)> GetAsync(IPEndPoint destination, string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (stream, result) = await _mux.OpenAsync(new OpenRequest(StreamProtocol.Http, destination), s => new MuxStreamAdapter(s), timeout.Token);
        if (!result.Accepted)
        {
            return (result, null);
        }
        await using var http = (MuxStreamAdapter)stream.Sink!;
        await http.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n"), timeout.Token);
        using var reader = new StreamReader(http, Encoding.ASCII);
        return (result, await reader.ReadToEndAsync(timeout.Token));
    }

    /// <summary>Opens a TCP stream and returns only the serving agent's answer.</summary>
    public async Task<OpenResult> OpenTcpAsync(IPEndPoint destination)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (stream, result) = await _mux.OpenAsync(new OpenRequest(StreamProtocol.Tcp, destination), s => new MuxStreamAdapter(s), timeout.Token);
        if (result.Accepted)
        {
            stream.Reset();
        }
        return result;
    }

    public ValueTask DisposeAsync() => _mux.DisposeAsync();
}
