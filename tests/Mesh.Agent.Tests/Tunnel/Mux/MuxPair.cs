using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tests.Tunnel.Mux;

/// <summary>
/// A client and a server <see cref="MuxConnection"/> joined by a real loopback TCP connection (no TLS: these tests are
/// about the framing). The server accepts every stream with a buffering adapter that tests read from.
/// </summary>
internal sealed class MuxPair : IAsyncDisposable
{
    private readonly Channel<(MuxStreamAdapter Stream, OpenRequest Request)> _accepted = Channel.CreateUnbounded<(MuxStreamAdapter, OpenRequest)>();

    private MuxPair(MuxConnection client, MuxConnection server)
    {
        Client = client;
        Server = server;
    }

    public MuxConnection Client { get; }
    public MuxConnection Server { get; private set; }

    public static async Task<MuxPair> StartAsync()
    {
        var (a, b) = await SocketPairAsync();
        var client = new MuxConnection(new NetworkStream(a, ownsSocket: true), isClient: true);
        MuxPair? pair = null;
        var server = new MuxConnection(new NetworkStream(b, ownsSocket: true), isClient: false)
        {
            OnOpen = async (stream, request) =>
            {
                var adapter = new MuxStreamAdapter(stream);
                await stream.Connection.AcceptAsync(stream, "test");
                pair!._accepted.Writer.TryWrite((adapter, request));
            },
        };
        pair = new MuxPair(client, server);
        client.Start();
        server.Start();
        return pair;
    }

    public static async Task<(Socket Client, Socket Server)> SocketPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        return (client, await accept);
    }

    /// <summary>Opens a stream from the client; returns the client's adapter and the server's.</summary>
    public async Task<(MuxStreamAdapter Client, MuxStreamAdapter Server)> OpenAsync(StreamProtocol protocol = StreamProtocol.Tcp)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (stream, result) = await Client.OpenAsync(new OpenRequest(protocol, new IPEndPoint(IPAddress.Loopback, 9)), s => new MuxStreamAdapter(s), timeout.Token);
        Assert.True(result.Accepted);
        var (server, _) = await _accepted.Reader.ReadAsync(timeout.Token);
        return ((MuxStreamAdapter)stream.Sink!, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
