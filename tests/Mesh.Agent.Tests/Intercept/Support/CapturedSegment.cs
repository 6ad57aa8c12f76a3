using System.Net;

namespace Mesh.Agent.Tests.Intercept.Support;

/// <summary>One IPv4 TCP segment read from a capture.</summary>
/// <param name="Source">Sender address and port.</param>
/// <param name="Destination">Receiver address and port.</param>
/// <param name="Sequence">The TCP sequence number.</param>
/// <param name="Flags">The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).</param>
/// <param name="Payload">The TCP payload as captured (empty for a bare SYN or ACK).</param>
internal sealed record CapturedSegment(IPEndPoint Source, IPEndPoint Destination, uint Sequence, byte Flags, byte[] Payload)
{
    /// <summary>The SYN flag.</summary>
    public const byte Syn = 0x02;

    /// <summary>True for a SYN or SYN-ACK: its sequence number is the direction's initial sequence number.</summary>
    public bool IsSyn => (Flags & Syn) != 0;

    /// <summary>Addresses, flags and length, for assertion messages.</summary>
    public override string ToString() => $"{Source} -> {Destination} flags 0x{Flags:x2} seq {Sequence} len {Payload.Length}";
}
