using System.Net;
using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tests.Tunnel.Mux;

public sealed class MuxCodecTests
{
    [Theory]
    [InlineData(0, (byte)0, 1u, 0)]
    [InlineData(16384, (byte)1, 3u, 0)]
    [InlineData(0xFFFFFF, (byte)7, 0u, 0xA5)]
    [InlineData(4, (byte)5, uint.MaxValue, 1)]
    public void Header_round_trips(int length, byte typeCode, uint stream, byte flags)
    {
        var type = (FrameType)typeCode;
        var buffer = new byte[MuxFrame.HeaderSize];
        MuxFrame.WriteHeader(buffer, length, type, stream, flags);

        Assert.Equal((length, type, flags, stream), MuxFrame.ReadHeader(buffer));
    }

    [Fact]
    public void Header_is_HTTP2_layout_big_endian()
    {
        var buffer = new byte[MuxFrame.HeaderSize];
        MuxFrame.WriteHeader(buffer, 0x010203, FrameType.Fin, 0x0A0B0C0D, 0x7F);

        Assert.Equal(new byte[] { 1, 2, 3, 3, 0x7F, 0x0A, 0x0B, 0x0C, 0x0D }, buffer);
    }

    [Theory]
    [InlineData(StreamProtocol.Tcp, "127.0.0.1:5432")]
    [InlineData(StreamProtocol.Http, "[::1]:8080")]
    [InlineData(StreamProtocol.Http, "198.18.0.7:65535")]
    public void Open_request_round_trips(StreamProtocol protocol, string destination)
    {
        var request = new OpenRequest(protocol, IPEndPoint.Parse(destination));

        Assert.True(OpenRequest.TryDecode(request.Encode(), out var decoded, out _));
        Assert.Equal(request, decoded);
    }

    public static TheoryData<string, byte[]> MalformedOpens => new()
    {
        { "empty", [] },
        { "length beyond payload", [1, 20, (byte)'1'] },
        { "length short of payload", [1, 1, (byte)'1', (byte)'2'] },
        { "unknown protocol", [9, 3, (byte)'1', (byte)':', (byte)'1'] },
        { "not ip:port", [1, 4, (byte)'h', (byte)'o', (byte)'s', (byte)'t'] },
    };

    [Theory]
    [MemberData(nameof(MalformedOpens))]
    public void Malformed_open_is_rejected_with_a_reason(string scenario, byte[] payload)
    {
        Assert.False(OpenRequest.TryDecode(payload, out _, out var error), scenario);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData(200, "")]
    [InlineData(403, "01a21a36b5e876e4b6cafd792e2944f4")]
    public void Open_result_round_trips(int status, string decisionId)
    {
        var result = new OpenResult(status, decisionId);

        Assert.True(OpenResult.TryDecode(result.Encode(), out var decoded));
        Assert.Equal(result, decoded);
        Assert.Equal(status == 200, decoded.Accepted);
    }

    [Fact]
    public void Truncated_open_result_is_rejected()
    {
        Assert.False(OpenResult.TryDecode([0, 200, 5, (byte)'a'], out _));
    }
}
