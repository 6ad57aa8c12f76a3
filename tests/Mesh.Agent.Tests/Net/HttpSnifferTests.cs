using System.Net;
using System.Net.Sockets;
using Mesh.Agent.Config;
using Mesh.Agent.Net;

namespace Mesh.Agent.Tests.Net;

/// <summary>Protocol detection on real loopback connections: what the client sends first decides, and nothing is consumed.</summary>
public sealed class HttpSnifferTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", PortProtocol.Http)]
    [InlineData("POST /api HTTP/1.1\r\n", PortProtocol.Http)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0", PortProtocol.Http2)]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n", PortProtocol.Tcp)]
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", PortProtocol.Tcp)]
    [InlineData("GETX / HTTP/1.1\r\n", PortProtocol.Tcp)]
    public async Task The_first_bytes_decide_and_stay_unread(string first, PortProtocol expected)
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var bytes = System.Text.Encoding.Latin1.GetBytes(first);
            await client.SendAsync(bytes);

            var detected = await HttpSniffer.DetectAsync(server, TimeSpan.FromSeconds(5), CancellationToken.None);

            Assert.Equal(expected, detected);
            var buffer = new byte[bytes.Length];
            var read = 0;
            while (read < bytes.Length)
            {
                read += await server.ReceiveAsync(buffer.AsMemory(read));
            }
            Assert.Equal(bytes, buffer);
        }
    }

    [Fact]
    public async Task A_request_line_split_across_writes_is_still_HTTP()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            await client.SendAsync("GE"u8.ToArray());
            var detecting = HttpSniffer.DetectAsync(server, TimeSpan.FromSeconds(5), CancellationToken.None);
            await Task.Delay(50);
            await client.SendAsync("T / HTTP/1.1\r\n"u8.ToArray());

            Assert.Equal(PortProtocol.Http, await detecting);
        }
    }

    [Fact]
    public async Task A_silent_client_is_taken_for_a_server_first_protocol_and_a_closed_one_for_nothing()
    {
        var (client, server) = await PairAsync();
        using (server)
        {
            Assert.Equal(PortProtocol.Tcp, await HttpSniffer.DetectAsync(server, TimeSpan.FromMilliseconds(100), CancellationToken.None));
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();
            Assert.Null(await HttpSniffer.DetectAsync(server, TimeSpan.FromSeconds(5), CancellationToken.None));
        }
    }

    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await listener.AcceptAsync());
    }
}
