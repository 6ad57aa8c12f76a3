using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Net;

namespace Mesh.Agent.Redirect;

/// <summary>
/// Where a connection that iptables REDIRECTed to the agent was really going: getsockopt SO_ORIGINAL_DST (IPv4,
/// sockaddr_in) or IP6T_SO_ORIGINAL_DST (IPv6, sockaddr_in6) on the accepted socket, answered from conntrack.
/// </summary>
public static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80; // linux/netfilter_ipv4.h; IP6T_SO_ORIGINAL_DST in linux/netfilter_ipv6/ip6_tables.h is also 80
    private const int SockaddrIn = 16;
    private const int SockaddrIn6 = 28;

    /// <summary>The original destination, or a <see cref="RedirectException"/> saying why there is none.</summary>
    public static IPEndPoint Get(Socket accepted)
    {
        var local = (IPEndPoint)(accepted.LocalEndPoint ?? throw new RedirectException("the socket is not connected"));
        // A dual-mode IPv6 listener accepts IPv4 connections as ::ffff:a.b.c.d; conntrack holds them as IPv4.
        var v4 = local.AddressFamily == AddressFamily.InterNetwork || local.Address.IsIPv4MappedToIPv6;
        Span<byte> buffer = stackalloc byte[SockaddrIn6];
        int length;
        try
        {
            length = accepted.GetRawSocketOption(v4 ? SolIp : SolIpv6, SoOriginalDst, v4 ? buffer[..SockaddrIn] : buffer);
        }
        catch (SocketException e)
        {
            // ENOENT: conntrack has no entry (no nat table in this namespace, or conntrack is not loaded).
            throw new RedirectException($"cannot read the original destination of the connection to {local}: {e.Message} (was it redirected by 'mesh redirect install'?)", e);
        }
        var original = v4 ? ParseV4(buffer[..length]) : ParseV6(buffer[..length]);
        if (original.Port == local.Port && (original.Address.Equals(local.Address) || original.Address.Equals(local.Address.Unmapped())))
        {
            throw new RedirectException($"the connection to {local} was not redirected: it was made to the listener itself");
        }
        return original;
    }

    private static IPEndPoint ParseV4(ReadOnlySpan<byte> sockaddr)
    {
        Require(sockaddr.Length >= 8, sockaddr.Length);
        // struct sockaddr_in: sa_family (host order), sin_port (network order), sin_addr.
        return new IPEndPoint(new IPAddress(sockaddr[4..8]), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..4]));
    }

    private static IPEndPoint ParseV6(ReadOnlySpan<byte> sockaddr)
    {
        Require(sockaddr.Length >= 24, sockaddr.Length);
        // struct sockaddr_in6: sin6_family, sin6_port (network order), sin6_flowinfo, sin6_addr, sin6_scope_id (host order).
        var scope = sockaddr.Length >= SockaddrIn6 ? System.Runtime.InteropServices.MemoryMarshal.Read<uint>(sockaddr[24..28]) : 0;
        return new IPEndPoint(new IPAddress(sockaddr[8..24], scope), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..4]));
    }

    private static void Require(bool ok, int length)
    {
        if (!ok)
        {
            throw new RedirectException($"SO_ORIGINAL_DST returned {length} bytes, too short for a socket address");
        }
    }
}
