using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>The bytes one side of a TCP connection sent, reassembled in sequence order from a capture.</summary>
/// <param name="Source">The sender.</param>
/// <param name="Destination">The receiver.</param>
/// <param name="Bytes">The payload in sequence order, retransmissions removed, up to the first gap.</param>
/// <param name="GapAt">Null when nothing is missing; else the stream offset where a segment was not captured.</param>
internal sealed record TcpDirection(IPEndPoint Source, IPEndPoint Destination, byte[] Bytes, long? GapAt)
{
    /// <summary>
    /// Each direction (source to destination) that carried payload. The stream starts after the SYN's sequence number
    /// when the SYN was captured, else at the lowest sequence number seen.
    /// </summary>
    public static IReadOnlyList<TcpDirection> Reassemble(IEnumerable<CapturedSegment> segments) =>
        [.. segments
            .GroupBy(s => (Source: s.Source.ToString(), Destination: s.Destination.ToString()))
            .Select(g => One([.. g]))
            .OfType<TcpDirection>()];

    private static TcpDirection? One(IReadOnlyList<CapturedSegment> segments)
    {
        var data = segments.Where(s => s.Payload.Length > 0).ToList();
        if (data.Count == 0)
        {
            return null;
        }
        // Sequence numbers wrap at 2^32: measure every offset from one reference as an unsigned difference.
        var first = segments.FirstOrDefault(s => s.IsSyn) is { } syn
            ? syn.Sequence + 1
            : data.Select(s => s.Sequence).MinBy(seq => (int)(seq - data[0].Sequence));
        var bytes = new List<byte>();
        long? gap = null;
        foreach (var (offset, payload) in data.Select(s => ((long)(uint)(s.Sequence - first), s.Payload)).OrderBy(x => x.Item1))
        {
            if (offset > bytes.Count)
            {
                gap = bytes.Count;
                break;
            }
            var end = offset + payload.Length;
            if (end > bytes.Count)
            {
                bytes.AddRange(payload.AsSpan((int)(bytes.Count - offset)));
            }
        }
        return new TcpDirection(data[0].Source, data[0].Destination, [.. bytes], gap);
    }

    /// <summary>Endpoints and length, for assertion messages.</summary>
    public override string ToString() => $"{Source} -> {Destination}: {Bytes.Length} bytes{(GapAt is { } g ? $", gap at {g}" : "")}";
}
