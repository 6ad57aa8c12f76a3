using System.Buffers.Binary;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>Frame types of the agent-to-agent multiplexing protocol (docs/protocol.md).</summary>
internal enum FrameType : byte
{
    Data = 0,
    Open = 1,
    Opened = 2,
    Fin = 3,
    Reset = 4,
    Window = 5,
    GoAway = 7,
}

/// <summary>
/// The 9-byte frame header, HTTP/2's layout: 24-bit payload length, 8-bit type, 8-bit flags, 32-bit stream id
/// (big endian). A pure codec; no I/O.
/// </summary>
internal static class MuxFrame
{
    public const int HeaderSize = 9;

    /// <summary>Largest DATA payload a sender produces, so that one stream cannot hold the connection for long.</summary>
    public const int MaxDataPayload = 16 * 1024;

    /// <summary>Largest payload a receiver accepts in any frame; more is a protocol error.</summary>
    public const int MaxPayload = 64 * 1024;

    public static void WriteHeader(Span<byte> destination, int length, FrameType type, uint streamId, byte flags = 0)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = (byte)type;
        destination[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], streamId);
    }

    public static (int Length, FrameType Type, byte Flags, uint StreamId) ReadHeader(ReadOnlySpan<byte> source) =>
        ((source[0] << 16) | (source[1] << 8) | source[2], (FrameType)source[3], source[4], BinaryPrimitives.ReadUInt32BigEndian(source[5..]));
}
