using System.Net.Sockets;

namespace Mesh.Agent.Net;

/// <summary>SO_MARK on the agent's own upstream sockets: the redirect rules RETURN on it, so they are never captured again.</summary>
internal static class SocketMark
{
    private const int SolSocket = 1;
    private const int SoMark = 36; // asm-generic/socket.h; needs CAP_NET_ADMIN

    public static void Set(Socket socket, uint mark)
    {
        Span<byte> value = stackalloc byte[4];
        BitConverter.TryWriteBytes(value, mark);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoMark, value);
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot set SO_MARK 0x{mark:x} on the agent's socket ({e.Message}); the agent needs CAP_NET_ADMIN", e);
        }
    }

    public static uint Get(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(SolSocket, SoMark, value);
        return BitConverter.ToUInt32(value);
    }
}
