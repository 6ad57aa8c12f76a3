using System.Net.Sockets;

namespace Mesh.Agent.Net;

/// <summary>
/// TCP keep-alive on long-lived connections, so a peer that vanished without a FIN (a crashed node, a cut link) is
/// noticed in about a minute instead of holding pooled tunnels and app connections forever.
/// </summary>
internal static class TcpKeepAlive
{
    public static void Enable(Socket socket)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        }
        catch (SocketException)
        {
            // Not every socket family supports every option; keep-alive is an aid, not a requirement.
        }
    }
}
