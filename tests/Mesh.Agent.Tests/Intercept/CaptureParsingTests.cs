using System.Buffers.Binary;
using System.Net;
using Mesh.Agent.Tests.Intercept.Support;

namespace Mesh.Agent.Tests.Intercept;

/// <summary>
/// The capture's pure parts without tcpdump: the pcap reader on hand-made files, sequence-order reassembly, and the
/// TLS-record walk on streams that are, and are not, TLS.
/// </summary>
public sealed class CaptureParsingTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("198.18.1.2"), 40000);
    private static readonly IPEndPoint Server = new(IPAddress.Parse("198.18.2.2"), 443);

    public static TheoryData<string, byte[], bool> Streams => new()
    {
        { "a ClientHello record", [0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00], true },
        { "handshake then application data", [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x03, 0x03, 0x00, 0x02, 0xbb, 0xcc], true },
        { "the last record cut short by the end of the capture", [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x03, 0x03, 0x40, 0x00, 0xbb], true },
        { "a last header cut short but valid so far", [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x03], true },
        { "plaintext HTTP", "GET / HTTP/1.1\r\n"u8.ToArray(), false },
        { "application data first (no handshake)", [0x17, 0x03, 0x03, 0x00, 0x01, 0xaa], false },
        { "plaintext after a valid record", [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, (byte)'G', (byte)'E', (byte)'T', (byte)' ', (byte)'/'], false },
        { "SSL 3.0 record version", [0x16, 0x03, 0x00, 0x00, 0x01, 0xaa], false },
        { "a record over 2^14 + 2048 bytes", [0x16, 0x03, 0x03, 0x48, 0x01, 0xaa], false },
        { "heartbeat content type", [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x18, 0x03, 0x03, 0x00, 0x00], false },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void The_TLS_record_walk_accepts_only_TLS_records_from_the_first_byte(string scenario, byte[] stream, bool tls)
    {
        var problem = TlsRecords.Problem(stream);

        Assert.True(tls == problem is null, $"{scenario}: {problem ?? "accepted"}");
    }

    [Fact]
    public void Reassembly_orders_by_sequence_drops_retransmissions_and_handles_wraparound()
    {
        var isn = 0xffff_fffdu; // the data crosses 2^32
        var traffic = new CapturedTraffic(
        [
            Segment(Client, Server, isn, CapturedSegment.Syn, []),
            Segment(Client, Server, isn + 1 + 9, 0x18, [0x00, 0x01, 0xaa]),
            Segment(Client, Server, isn + 1, 0x18, [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa]),
            Segment(Client, Server, isn + 1, 0x18, [0x16, 0x03, 0x03, 0x00, 0x01, 0xaa]),
            Segment(Client, Server, isn + 1 + 4, 0x18, [0x01, 0xaa, 0x17, 0x03, 0x03]),
        ]);

        var direction = Assert.Single(traffic.Directions);
        Assert.Null(direction.GapAt);
        Assert.Equal([0x16, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x03, 0x03, 0x00, 0x01, 0xaa], direction.Bytes);
        Assert.True(traffic.CheckTls(443).AllTls, traffic.CheckTls(443).ToString());
    }

    [Fact]
    public void A_missing_segment_fails_the_TLS_check_and_an_unseen_port_never_passes()
    {
        var traffic = new CapturedTraffic(
        [
            Segment(Client, Server, 100, CapturedSegment.Syn, []),
            Segment(Client, Server, 101, 0x18, [0x16, 0x03, 0x03, 0x00, 0x01]),
            Segment(Client, Server, 110, 0x18, [0x17, 0x03, 0x03, 0x00, 0x00]),
        ]);

        Assert.Contains("lost a segment at byte 5", traffic.CheckTls(443).Detail, StringComparison.Ordinal);
        Assert.False(traffic.CheckTls(443).AllTls);
        Assert.False(traffic.CheckTls(8443).AllTls);
        Assert.False(new CapturedTraffic([]).AllPayloadsAreTlsRecords(443));
    }

    [Theory]
    [InlineData(1u, true)]
    [InlineData(1u, false)]
    [InlineData(113u, true)]
    [InlineData(276u, false)]
    public void The_pcap_reader_finds_IPv4_TCP_in_Ethernet_and_Linux_cooked_frames(uint linkType, bool littleEndian)
    {
        var payload = "GET / HTTP/1.1\r\n"u8.ToArray();
        var pcap = Pcap(linkType, littleEndian, [Frame(linkType, 0x0806, new byte[28]), Frame(linkType, 0x0800, Ipv4Tcp(payload, padding: 6))]);

        var segment = Assert.Single(PcapReader.Read(pcap));

        Assert.Equal(Client, segment.Source);
        Assert.Equal(Server, segment.Destination);
        Assert.Equal(12345u, segment.Sequence);
        Assert.Equal(0x18, segment.Flags);
        Assert.Equal(payload, segment.Payload);
        Assert.True(new CapturedTraffic([segment]).ContainsAscii("GET /"));
    }

    [Fact]
    public void The_pcap_reader_stops_at_a_record_cut_short_and_refuses_pcapng()
    {
        var pcap = Pcap(1, true, [Frame(1, 0x0800, Ipv4Tcp([1, 2, 3], padding: 0))]);

        Assert.Empty(PcapReader.Read(pcap.AsSpan(0, pcap.Length - 1)));
        Assert.Throws<FormatException>(() => PcapReader.Read([0x0a, 0x0d, 0x0d, 0x0a, .. new byte[24]]));
    }

    private static CapturedSegment Segment(IPEndPoint from, IPEndPoint to, uint seq, byte flags, byte[] payload) => new(from, to, seq, flags, payload);

    private static byte[] Pcap(uint linkType, bool littleEndian, IEnumerable<byte[]> frames)
    {
        var file = new List<byte>();
        void U32(uint v)
        {
            var b = new byte[4];
            if (littleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(b, v);
            }
            file.AddRange(b);
        }
        U32(0xa1b2c3d4);
        file.AddRange(littleEndian ? [2, 0, 4, 0] : [0, 2, 0, 4]);
        U32(0);
        U32(0);
        U32(262144);
        U32(linkType);
        foreach (var frame in frames)
        {
            U32(1);
            U32(0);
            U32((uint)frame.Length);
            U32((uint)frame.Length);
            file.AddRange(frame);
        }
        return [.. file];
    }

    private static byte[] Frame(uint linkType, ushort etherType, byte[] packet)
    {
        var header = linkType switch
        {
            1 => new byte[14],
            113 => new byte[16],
            _ => new byte[20],
        };
        var at = linkType switch { 1 => 12, 113 => 14, _ => 0 };
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(at), etherType);
        return [.. header, .. packet];
    }

    private static byte[] Ipv4Tcp(byte[] payload, int padding)
    {
        var ip = new byte[20];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)(20 + 20 + payload.Length));
        ip[6] = 0x40; // don't fragment
        ip[8] = 64;
        ip[9] = 6;
        Client.Address.GetAddressBytes().CopyTo(ip, 12);
        Server.Address.GetAddressBytes().CopyTo(ip, 16);
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)Client.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), (ushort)Server.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), 12345);
        tcp[12] = 5 << 4;
        tcp[13] = 0x18;
        return [.. ip, .. tcp, .. payload, .. new byte[padding]];
    }
}
