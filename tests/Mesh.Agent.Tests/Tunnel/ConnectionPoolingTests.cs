using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Mesh.Agent.Tests.Support;

namespace Mesh.Agent.Tests.Tunnel;

/// <summary>
/// A new app connection must not cost a new mTLS handshake: the agents multiplex app connections as HTTP/2 streams
/// over pooled connections. Counted from the agent's side, through its admin /stats endpoint.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class ConnectionPoolingTests(MeshFixture mesh)
{
    private const int Connections = 200;
    private const int Handful = 3;

    [Fact]
    public async Task Two_hundred_sequential_app_tcp_connections_open_at_most_a_handful_of_agent_connections()
    {
        var before = await StatsAsync();

        for (var i = 0; i < Connections; i++)
        {
            var response = await OneRequestOnANewConnectionAsync(mesh.OutboundTcpPort);
            Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        }

        var after = await StatsAsync();
        Assert.Equal(Connections, after["outbound_connections"] - before["outbound_connections"]);
        Assert.InRange(after["outbound_tls_handshakes"] - before["outbound_tls_handshakes"], 0, Handful);
    }

    [Fact]
    public async Task Two_hundred_sequential_app_http_connections_open_at_most_a_handful_of_agent_connections()
    {
        var before = await StatsAsync();

        for (var i = 0; i < Connections; i++)
        {
            var response = await OneRequestOnANewConnectionAsync(mesh.OutboundHttpPort);
            Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        }

        var after = await StatsAsync();
        Assert.InRange(after["outbound_tls_handshakes"] - before["outbound_tls_handshakes"], 0, Handful);
    }

    private static async Task<string> OneRequestOnANewConnectionAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /api/items HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    private async Task<Dictionary<string, long>> StatsAsync()
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri($"http://127.0.0.1:{mesh.FrontendAgent.AdminEndpoint!.Port}/stats"));
        return JsonSerializer.Deserialize<Dictionary<string, long>>(json)!;
    }
}
