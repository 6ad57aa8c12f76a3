using System.Buffers.Binary;
using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>
/// Reads IPv4 TCP segments from a classic pcap file (not pcapng), as tcpdump -w writes it: link types Ethernet (1),
/// Linux cooked v1 (113) and v2 (276). Everything else (ARP, IPv6, UDP, IP fragments) is skipped; a record cut short
/// at the end of the file (tcpdump stopped mid-write) ends the list.
/// </summary>
internal static class PcapReader
{
    private const int FileHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const uint LinkEthernet = 1;
    private const uint LinkLinuxSll = 113;
    private const uint LinkLinuxSll2 = 276;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;
    private const byte ProtocolTcp = 6;

    /// <summary>The TCP segments in <paramref name="pcap"/>, in capture order.</summary>
    /// <exception cref="FormatException">Not a classic pcap file, or a link type this reader does not know.</exception>
    public static IReadOnlyList<CapturedSegment> Read(ReadOnlySpan<byte> pcap)
    {
        if (pcap.Length < FileHeaderLength)
        {
            throw new FormatException($"a pcap file has a {FileHeaderLength}-byte header; this one has {pcap.Length} bytes");
        }
        // Magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), written in the capturing host's byte order.
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(pcap);
        var littleEndian = magic is 0xa1b2c3d4 or 0xa1b23c4d;
        if (!littleEndian && magic is not (0xd4c3b2a1 or 0x4d3cb2a1))
        {
            throw new FormatException($"not a classic pcap file (magic 0x{magic:x8}; pcapng is not supported)");
        }
        uint U32(ReadOnlySpan<byte> b) => littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
        var linkType = U32(pcap[20..]) & 0x0fffffff; // the top bits carry FCS information
        if (linkType is not (LinkEthernet or LinkLinuxSll or LinkLinuxSll2))
        {
            throw new FormatException($"pcap link type {linkType} is not supported (Ethernet 1, Linux SLL 113, SLL2 276 are)");
        }

        var segments = new List<CapturedSegment>();
        var offset = FileHeaderLength;
        while (offset + RecordHeaderLength <= pcap.Length)
        {
            var captured = (int)Math.Min(U32(pcap[(offset + 8)..]), int.MaxValue);
            var start = offset + RecordHeaderLength;
            if (captured > pcap.Length - start)
            {
                break;
            }
            if (Network(pcap.Slice(start, captured), linkType) is { Length: > 0 } ipv4 && Tcp(ipv4) is { } segment)
            {
                segments.Add(segment);
            }
            offset = start + captured;
        }
        return segments;
    }

    /// <summary>The IPv4 packet inside a link-layer frame, or empty when the frame carries something else.</summary>
    private static ReadOnlySpan<byte> Network(ReadOnlySpan<byte> frame, uint linkType)
    {
        int headerLength;
        ushort etherType;
        switch (linkType)
        {
            case LinkEthernet:
                if (frame.Length < 14)
                {
                    return [];
                }
                (etherType, headerLength) = (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]), 14);
                if (etherType == EtherTypeVlan && frame.Length >= 18)
                {
                    (etherType, headerLength) = (BinaryPrimitives.ReadUInt16BigEndian(frame[16..]), 18);
                }
                break;
            case LinkLinuxSll:
                if (frame.Length < 16)
                {
                    return [];
                }
                (etherType, headerLength) = (BinaryPrimitives.ReadUInt16BigEndian(frame[14..]), 16);
                break;
            default:
                if (frame.Length < 20)
                {
                    return [];
                }
                (etherType, headerLength) = (BinaryPrimitives.ReadUInt16BigEndian(frame), 20);
                break;
        }
        return etherType == EtherTypeIpv4 ? frame[headerLength..] : [];
    }

    /// <summary>The TCP segment in an IPv4 packet, or null when it is not TCP, is a fragment, or is cut short.</summary>
    private static CapturedSegment? Tcp(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4 || ip[9] != ProtocolTcp)
        {
            return null;
        }
        var ipHeaderLength = (ip[0] & 0x0f) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x3fff) != 0 || ipHeaderLength < 20 || totalLength < ipHeaderLength)
        {
            return null; // more-fragments set or a non-zero offset: not a whole segment
        }
        // The frame may carry Ethernet padding after the packet; the IP total length says where the packet ends.
        var tcp = ip[ipHeaderLength..Math.Min(totalLength, ip.Length)];
        if (tcp.Length < 20)
        {
            return null;
        }
        var tcpHeaderLength = (tcp[12] >> 4) * 4;
        if (tcpHeaderLength < 20 || tcpHeaderLength > tcp.Length)
        {
            return null;
        }
        var source = new IPEndPoint(new IPAddress(ip.Slice(12, 4)), BinaryPrimitives.ReadUInt16BigEndian(tcp));
        var destination = new IPEndPoint(new IPAddress(ip.Slice(16, 4)), BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]));
        return new CapturedSegment(source, destination, BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), tcp[13], tcp[tcpHeaderLength..].ToArray());
    }
}
