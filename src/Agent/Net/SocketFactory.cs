using System.Net;
using System.Net.Sockets;

namespace Mesh.Agent.Net;

/// <summary>
/// Where the agent's own TCP sockets are made: in the agent's namespace (<see cref="Host"/>), or inside a pod's network
/// namespace with the agent's mark (<see cref="InNetns"/>) so the pod's redirect rules let them through. Equality is
/// identity: connections pooled per factory are never shared between pods.
/// </summary>
internal abstract class SocketFactory
{
    public static SocketFactory Host { get; } = new HostFactory();

    public static SocketFactory InNetns(NetnsWorker worker, uint mark) => new NetnsFactory(worker, mark);

    /// <summary>A new, unconnected TCP socket.</summary>
    public abstract ValueTask<Socket> CreateAsync(AddressFamily family);

    /// <summary>A listening TCP socket bound to <paramref name="endpoint"/>.</summary>
    public abstract ValueTask<Socket> ListenAsync(IPEndPoint endpoint, int backlog);

    /// <summary>A new socket connected to <paramref name="to"/>; disposed when the connect fails.</summary>
    public async ValueTask<Socket> ConnectAsync(IPEndPoint to, TimeSpan timeout, CancellationToken ct)
    {
        var socket = await CreateAsync(to.AddressFamily).ConfigureAwait(false);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            await socket.ConnectAsync(to, limit.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket Listen(Socket socket, IPEndPoint endpoint, int backlog)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] takes IPv4 too (as ::ffff:a.b.c.d), so one listener serves both families.
                socket.DualMode = true;
            }
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch (Exception e) when (e is SocketException or NotSupportedException)
        {
            socket.Dispose();
            throw new IOException($"cannot listen on {endpoint}: {e.Message}", e);
        }
    }

    private sealed class HostFactory : SocketFactory
    {
        public override ValueTask<Socket> CreateAsync(AddressFamily family) =>
            ValueTask.FromResult(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

        public override ValueTask<Socket> ListenAsync(IPEndPoint endpoint, int backlog) =>
            ValueTask.FromResult(Listen(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), endpoint, backlog));

        public override string ToString() => "host";
    }

    private sealed class NetnsFactory(NetnsWorker worker, uint mark) : SocketFactory
    {
        public override async ValueTask<Socket> CreateAsync(AddressFamily family) =>
            await worker.RunAsync(() =>
            {
                var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    SocketMark.Set(socket, mark);
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }).ConfigureAwait(false);

        public override async ValueTask<Socket> ListenAsync(IPEndPoint endpoint, int backlog) =>
            await worker.RunAsync(() => Listen(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), endpoint, backlog)).ConfigureAwait(false);

        public override string ToString() => "netns " + worker.Path;
    }
}
