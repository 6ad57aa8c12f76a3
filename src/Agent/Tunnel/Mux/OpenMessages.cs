using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Mesh.Agent.Tunnel.Mux;

/// <summary>What a stream carries: raw TCP bytes, or HTTP (1.1, or 2 with prior knowledge) requests the serving agent parses and authorizes one by one.</summary>
public enum StreamProtocol : byte
{
    Tcp = 1,
    Http = 2,

    /// <summary>HTTP/2 with prior knowledge: http2 and grpc ports (trailers, many requests on one stream).</summary>
    Http2 = 3,
}

/// <summary>The OPEN frame's payload: protocol (1 byte), then the destination workload as "ip:port" (1-byte length, ASCII).</summary>
internal readonly record struct OpenRequest(StreamProtocol Protocol, IPEndPoint Destination)
{
    public byte[] Encode()
    {
        var dest = Encoding.ASCII.GetBytes(Destination.ToString());
        var payload = new byte[2 + dest.Length];
        payload[0] = (byte)Protocol;
        payload[1] = (byte)dest.Length;
        dest.CopyTo(payload, 2);
        return payload;
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out OpenRequest request, out string error)
    {
        request = default;
        if (payload.Length < 2 || payload.Length != 2 + payload[1])
        {
            error = "malformed OPEN payload";
            return false;
        }
        if (payload[0] is not ((byte)StreamProtocol.Tcp or (byte)StreamProtocol.Http or (byte)StreamProtocol.Http2))
        {
            error = $"unknown stream protocol {payload[0]}";
            return false;
        }
        if (!IPEndPoint.TryParse(Encoding.ASCII.GetString(payload[2..]), out var destination))
        {
            error = "OPEN destination is not ip:port";
            return false;
        }
        request = new OpenRequest((StreamProtocol)payload[0], destination);
        error = "";
        return true;
    }
}

/// <summary>
/// The OPENED frame's payload: an HTTP-like status (2 bytes) and the decision-log id (1-byte length, ASCII), so the
/// client can name the decision that refused it. 200 means the stream is open.
/// </summary>
public readonly record struct OpenResult(int Status, string DecisionId)
{
    public const int Ok = 200;
    public const int Forbidden = 403;
    public const int NotFound = 404;
    public const int Misdirected = 421;
    public const int BadRequest = 400;
    public const int Unavailable = 503;

    public bool Accepted => Status == Ok;

    public byte[] Encode()
    {
        var id = Encoding.ASCII.GetBytes(DecisionId);
        var payload = new byte[3 + id.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)Status);
        payload[2] = (byte)id.Length;
        id.CopyTo(payload, 3);
        return payload;
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out OpenResult result)
    {
        result = default;
        if (payload.Length < 3 || payload.Length != 3 + payload[2])
        {
            return false;
        }
        result = new OpenResult(BinaryPrimitives.ReadUInt16BigEndian(payload), Encoding.ASCII.GetString(payload[3..]));
        return true;
    }
}
