using System.Net;

namespace Mesh.Agent.Net;

/// <summary>
/// A dual-mode IPv6 socket reports IPv4 peers as <c>::ffff:a.b.c.d</c>; policy, the registry and decision records
/// speak plain IPv4. One place turns the one into the other.
/// </summary>
internal static class AddressExtensions
{
    public static IPAddress Unmapped(this IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The peer's address of an accepted or connected socket, unmapped; null when it has none.</summary>
    public static IPAddress? RemoteAddress(this System.Net.Sockets.Socket socket) => (socket.RemoteEndPoint as IPEndPoint)?.Address.Unmapped();
}
