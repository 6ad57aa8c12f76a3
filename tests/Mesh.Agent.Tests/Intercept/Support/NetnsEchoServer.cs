using System.Net;
using System.Net.Sockets;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// A TCP echo server inside a topology namespace: sends back every byte it receives, until the client closes. For
/// long-lived connection tests (several round trips on one connection).
/// </summary>
internal sealed class NetnsEchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConnectionSet _connections = new();
    private readonly Task _acceptLoop;
    private int _accepted;

    private NetnsEchoServer(Socket listener)
    {
        _listener = listener;
        _acceptLoop = _connections.AcceptLoopAsync(listener, EchoAsync);
    }

    /// <summary>Where it listens, inside its namespace.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>How many connections it has accepted.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Starts listening in <paramref name="ns"/> on <paramref name="port"/>, on all of its addresses unless <paramref name="address"/> is given.</summary>
    public static NetnsEchoServer Start(TopologyNetns ns, int port, IPAddress? address = null) =>
        new(NetnsSockets.Listen(ns, address ?? IPAddress.Any, port));

    /// <summary>Stops listening and closes every open connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _connections.CloseAllAsync(_acceptLoop);
    }

    private async Task EchoAsync(Socket client, CancellationToken stop)
    {
        Interlocked.Increment(ref _accepted);
        var buffer = new byte[16 * 1024];
        int n;
        // Bounded by the client: it ends when the client half-closes or the server is disposed.
        while ((n = await client.ReceiveAsync(buffer, stop)) > 0)
        {
            await client.SendAsync(buffer.AsMemory(0, n), stop);
        }
        client.Shutdown(SocketShutdown.Send);
    }
}
