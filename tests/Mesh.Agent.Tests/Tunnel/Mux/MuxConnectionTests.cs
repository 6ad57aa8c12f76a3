using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Mesh.Agent.Tunnel.Mux;

namespace Mesh.Agent.Tests.Tunnel.Mux;

/// <summary>The multiplexing protocol between two real sockets: data, half-close, flow control, and what a bad peer gets.</summary>
public sealed class MuxConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Stream_carries_bytes_both_ways_and_FIN_ends_each_direction()
    {
        await using var pair = await MuxPair.StartAsync();
        var (client, server) = await pair.OpenAsync();

        await client.WriteAsync("hello"u8.ToArray());
        await client.MuxStream.FinishAsync();
        Assert.Equal("hello", await ReadToEndAsync(server));

        // The other direction is still open after the client's FIN (half-close).
        await server.WriteAsync("world"u8.ToArray());
        await server.MuxStream.FinishAsync();
        Assert.Equal("world", await ReadToEndAsync(client));
        Assert.Equal(0, pair.Client.ActiveStreams);
    }

    [Fact]
    public async Task Sender_stops_at_the_window_until_the_reader_takes_bytes()
    {
        await using var pair = await MuxPair.StartAsync();
        var (client, server) = await pair.OpenAsync();
        var payload = new byte[4 * MuxStream.InitialWindow];

        var write = client.MuxStream.WriteAsync(payload).AsTask();
        await Task.Delay(300);
        Assert.False(write.IsCompleted, "the writer must wait once a window's worth is unread");

        var received = 0;
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Timeout);
        while (received < payload.Length)
        {
            received += await server.ReadAsync(buffer, timeout.Token);
        }
        await write.WaitAsync(Timeout);
        Assert.Equal(payload.Length, received);
    }

    [Fact]
    public async Task A_stalled_stream_does_not_hold_up_the_others()
    {
        await using var pair = await MuxPair.StartAsync();
        var (stalledClient, _) = await pair.OpenAsync();
        var (client, server) = await pair.OpenAsync();

        // Fill the stalled stream's window; its reader never reads.
        _ = stalledClient.MuxStream.WriteAsync(new byte[2 * MuxStream.InitialWindow]).AsTask();
        await Task.Delay(100);

        await client.WriteAsync("still flowing"u8.ToArray()).AsTask().WaitAsync(Timeout);
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(Timeout);
        var n = await server.ReadAsync(buffer, timeout.Token);
        Assert.Equal("still flowing", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Go_away_stops_new_streams_on_that_connection()
    {
        await using var pair = await MuxPair.StartAsync();
        Assert.True(pair.Client.CanOpenStreams);

        pair.Server.GoAway();

        var deadline = DateTime.UtcNow + Timeout;
        while (pair.Client.CanOpenStreams && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.False(pair.Client.CanOpenStreams);
    }

    [Fact]
    public async Task Peer_that_ignores_the_window_has_its_stream_reset()
    {
        await using var raw = await RawPeer.StartAsync();
        await raw.SendAsync(FrameType.Open, 1, new OpenRequest(StreamProtocol.Tcp, new(System.Net.IPAddress.Loopback, 9)).Encode());
        Assert.Equal(FrameType.Opened, (await raw.ReceiveAsync()).Type);

        for (var sent = 0; sent <= MuxStream.InitialWindow; sent += MuxFrame.MaxDataPayload)
        {
            await raw.SendAsync(FrameType.Data, 1, new byte[MuxFrame.MaxDataPayload]);
        }

        var reset = await raw.ReceiveUntilAsync(FrameType.Reset);
        Assert.Equal(1u, reset.Stream);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(reset.Payload));
    }

    [Fact]
    public async Task Oversized_frame_closes_the_connection()
    {
        await using var raw = await RawPeer.StartAsync();

        await raw.SendHeaderAsync(MuxFrame.MaxPayload + 1, FrameType.Data, 1);

        Assert.True(await raw.ClosedAsync());
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(0u)]
    public async Task Open_with_an_id_a_client_may_not_use_closes_the_connection(uint id)
    {
        await using var raw = await RawPeer.StartAsync();

        await raw.SendAsync(FrameType.Open, id, new OpenRequest(StreamProtocol.Tcp, new(System.Net.IPAddress.Loopback, 9)).Encode());

        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task Unknown_frame_types_are_ignored()
    {
        await using var raw = await RawPeer.StartAsync();

        await raw.SendAsync((FrameType)0x42, 0, [1, 2, 3]);
        await raw.SendAsync(FrameType.Open, 1, new OpenRequest(StreamProtocol.Tcp, new(System.Net.IPAddress.Loopback, 9)).Encode());

        var opened = await raw.ReceiveAsync();
        Assert.Equal(FrameType.Opened, opened.Type);
        Assert.True(OpenResult.TryDecode(opened.Payload, out var result) && result.Accepted);
    }

    [Fact]
    public async Task Malformed_open_is_answered_400_and_the_connection_lives_on()
    {
        await using var raw = await RawPeer.StartAsync();

        await raw.SendAsync(FrameType.Open, 1, [7, 1, 0]);
        var refused = await raw.ReceiveAsync();
        await raw.SendAsync(FrameType.Open, 3, new OpenRequest(StreamProtocol.Tcp, new(System.Net.IPAddress.Loopback, 9)).Encode());
        var accepted = await raw.ReceiveAsync();

        Assert.True(OpenResult.TryDecode(refused.Payload, out var r1) && r1.Status == OpenResult.BadRequest);
        Assert.True(OpenResult.TryDecode(accepted.Payload, out var r2) && r2.Accepted);
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        using var timeout = new CancellationTokenSource(Timeout);
        return await reader.ReadToEndAsync(timeout.Token);
    }

    /// <summary>A hand-driven client writing raw frames to a server <see cref="MuxConnection"/>.</summary>
    private sealed class RawPeer : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly MuxConnection _server;

        private RawPeer(Socket socket, MuxConnection server)
        {
            _socket = socket;
            _server = server;
        }

        public static async Task<RawPeer> StartAsync()
        {
            var (client, serverSocket) = await MuxPair.SocketPairAsync();
            var server = new MuxConnection(new NetworkStream(serverSocket, ownsSocket: true), isClient: false)
            {
                OnOpen = async (stream, request) =>
                {
                    var sink = new MuxStreamAdapter(stream);
                    await stream.Connection.AcceptAsync(stream, "");
                },
            };
            server.Start();
            return new RawPeer(client, server);
        }

        public async Task SendAsync(FrameType type, uint stream, byte[] payload)
        {
            var frame = new byte[MuxFrame.HeaderSize + payload.Length];
            MuxFrame.WriteHeader(frame, payload.Length, type, stream);
            payload.CopyTo(frame, MuxFrame.HeaderSize);
            await _socket.SendAsync(frame);
        }

        public async Task SendHeaderAsync(int length, FrameType type, uint stream)
        {
            var header = new byte[MuxFrame.HeaderSize];
            MuxFrame.WriteHeader(header, length, type, stream);
            await _socket.SendAsync(header);
        }

        public async Task<(FrameType Type, uint Stream, byte[] Payload)> ReceiveAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var header = new byte[MuxFrame.HeaderSize];
            await ReadExactlyAsync(header, timeout.Token);
            var (length, type, _, stream) = MuxFrame.ReadHeader(header);
            var payload = new byte[length];
            await ReadExactlyAsync(payload, timeout.Token);
            return (type, stream, payload);
        }

        public async Task<(FrameType Type, uint Stream, byte[] Payload)> ReceiveUntilAsync(FrameType wanted)
        {
            while (true)
            {
                var frame = await ReceiveAsync();
                if (frame.Type == wanted)
                {
                    return frame;
                }
            }
        }

        public async Task<bool> ClosedAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var buffer = new byte[1024];
            try
            {
                while (await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }
                return true;
            }
            catch (SocketException)
            {
                return true;
            }
        }

        private async Task ReadExactlyAsync(byte[] buffer, CancellationToken ct)
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
                if (n == 0)
                {
                    throw new EndOfStreamException();
                }
                read += n;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Dispose();
            await _server.DisposeAsync();
        }
    }
}
