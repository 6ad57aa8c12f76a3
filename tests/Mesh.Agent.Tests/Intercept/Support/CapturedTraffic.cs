using System.Text;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>What a <see cref="PacketCapture"/> saw: the TCP segments, and checks over their payloads.</summary>
internal sealed class CapturedTraffic
{
    /// <summary>Wraps segments read from a capture (or made by a test of these checks).</summary>
    public CapturedTraffic(IReadOnlyList<CapturedSegment> segments)
    {
        Segments = segments;
        Directions = TcpDirection.Reassemble(segments);
    }

    /// <summary>Every IPv4 TCP segment, in capture order, including bare SYNs and ACKs.</summary>
    public IReadOnlyList<CapturedSegment> Segments { get; }

    /// <summary>Each connection direction that carried payload, reassembled in sequence order.</summary>
    public IReadOnlyList<TcpDirection> Directions { get; }

    /// <summary>
    /// True when <paramref name="text"/> (ASCII) appears in any segment's payload or in any reassembled direction
    /// (so text split across segments is found too). Use it to prove plaintext did, or did not, cross the wire.
    /// </summary>
    public bool ContainsAscii(string text)
    {
        var needle = Encoding.ASCII.GetBytes(text);
        return Segments.Any(s => s.Payload.AsSpan().IndexOf(needle) >= 0) || Directions.Any(d => d.Bytes.AsSpan().IndexOf(needle) >= 0);
    }

    /// <summary>
    /// Whether every direction of every connection to or from <paramref name="port"/> that carried payload is TLS
    /// records from its first byte (a handshake record, 0x16) to its end; see <see cref="TlsRecords"/>. False when
    /// no payload to or from the port was captured, or when a segment is missing, so it never passes vacuously.
    /// </summary>
    public TlsVerdict CheckTls(int port)
    {
        var directions = Directions.Where(d => d.Source.Port == port || d.Destination.Port == port).ToList();
        if (directions.Count == 0)
        {
            return new TlsVerdict(false, $"no TCP payload to or from port {port} was captured ({Segments.Count} segments in all)");
        }
        foreach (var direction in directions)
        {
            if (direction.GapAt is { } gap)
            {
                return new TlsVerdict(false, $"{direction}: the capture lost a segment at byte {gap}, so it cannot be checked");
            }
            if (TlsRecords.Problem(direction.Bytes) is { } problem)
            {
                return new TlsVerdict(false, $"{direction}: {problem}");
            }
        }
        return new TlsVerdict(true, $"{directions.Count} directions to or from port {port}, {directions.Sum(d => d.Bytes.Length)} bytes, all TLS records");
    }

    /// <summary>Shorthand for <c>CheckTls(port).AllTls</c>; prefer <see cref="CheckTls"/> in assertions for its detail.</summary>
    public bool AllPayloadsAreTlsRecords(int port) => CheckTls(port).AllTls;

    /// <summary>One line per direction, for assertion messages.</summary>
    public override string ToString() =>
        $"{Segments.Count} TCP segments; " + (Directions.Count == 0 ? "no payload" : string.Join("; ", Directions));
}
