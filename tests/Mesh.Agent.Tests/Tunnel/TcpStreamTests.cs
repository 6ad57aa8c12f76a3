using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Tunnel;

/// <summary>Raw TCP through the tunnel: half-close, large transfers that exceed the stream window, many streams at once.</summary>
[Collection(MeshCollection.Name)]
public sealed class TcpStreamTests(MeshFixture mesh)
{
    [Theory]
    [InlineData(10)]
    [InlineData(3 * 1024 * 1024)]
    public async Task Client_half_close_reaches_the_workload_and_its_reply_still_comes_back(int bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", mesh.OutboundCountingPort);
        var stream = client.GetStream();
        await stream.WriteAsync(RandomNumberGenerator.GetBytes(bytes));
        // Only the FIN tells the workload that the request is complete.
        client.Client.Shutdown(SocketShutdown.Send);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        Assert.Equal($"got {bytes} bytes", await reader.ReadToEndAsync(timeout.Token));
    }

    [Fact]
    public async Task Many_concurrent_tcp_connections_each_get_their_own_answer()
    {
        var tasks = Enumerable.Range(0, 64).Select(async i =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", mesh.OutboundCountingPort);
            var stream = client.GetStream();
            await stream.WriteAsync(new byte[i * 1000 + 1]);
            client.Client.Shutdown(SocketShutdown.Send);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return (i, await reader.ReadToEndAsync());
        });

        foreach (var (i, answer) in await Task.WhenAll(tasks))
        {
            Assert.Equal($"got {i * 1000 + 1} bytes", answer);
        }
    }

    [Fact]
    public async Task A_large_download_over_tcp_arrives_intact()
    {
        // 16 MiB from the workload: many times the 256 KiB stream window, so window updates must flow back.
        var result = await ExternalTool.CurlAsync("-o", "/dev/null", "-w", "%{size_download} %{http_code}", $"http://127.0.0.1:{mesh.OutboundTcpPort}/bytes/16777216");

        Assert.Equal("16777216 200", result.StdOut);
    }

    [Fact]
    public async Task A_large_upload_over_tcp_arrives_intact()
    {
        // 8 MiB through the backend's tcp port: many times the 256 KiB stream window, so flow control must work.
        var file = Path.Combine(mesh.Dir, "download.bin");
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(8 * 1024 * 1024));

        var result = await ExternalTool.CurlAsync("-X", "POST", "--data-binary", "@" + file, $"http://127.0.0.1:{mesh.OutboundTcpPort}/upload");

        Assert.Equal("received 8388608", result.StdOut);
    }
}
