using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Tests.Redirect;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>Sockets made inside a topology namespace (with <see cref="NetnsThread"/>); they stay there wherever they are used.</summary>
internal static class NetnsSockets
{
    /// <summary>An unconnected IPv4 TCP socket in <paramref name="ns"/>.</summary>
    public static Socket NewTcpSocket(TopologyNetns ns) =>
        NetnsThread.Run(ns.Path, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>A listening IPv4 TCP socket in <paramref name="ns"/> on <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static Socket Listen(TopologyNetns ns, IPAddress address, int port) =>
        NetnsThread.Run(ns.Path, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(128);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        });
}
